"""Supervision and assessment: 督办/约谈/问责 records, their 文号 counters, suggestions from the schedule
warnings, the warnings observed each month, and the units' scores (考核) with the rules that make them.

Everything a past score needs is kept dated here or in TaskEvent (issued_on, replied_at, the months a
warning was seen), so a period's score is recomputed from history, not from today's state.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import (
    AccountabilityMeasure,
    AssessmentMetric,
    PeriodKind,
    SuggestionStatus,
    SupervisionKind,
    Warning,
)


class DocumentCounter(models.Model):
    """The last 文号 issued per kind and year; issuing locks this row (select_for_update)."""

    kind = models.CharField(_("督办种类"), max_length=16, choices=SupervisionKind.choices)
    year = models.PositiveSmallIntegerField(_("年份"))
    last_number = models.PositiveIntegerField(_("已用到的号"), default=0)

    class Meta:
        verbose_name = _("文号计数")
        verbose_name_plural = _("文号计数")
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="doc_counter_kind_year")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}: {self.last_number}"


class SupervisionActionQuerySet(models.QuerySet):
    def reply_overdue(self, today):
        """A reply was asked for by a date that has passed, and none came (逾期未回复), like an overdue task."""
        return self.filter(reply_due__lt=today, replied_at__isnull=True)


class SupervisionAction(models.Model):
    """督办记录: one pressing of one unit, about one or many tasks."""

    kind = models.CharField(_("督办种类"), max_length=16, choices=SupervisionKind.choices)
    year = models.PositiveSmallIntegerField(_("年份"))
    number = models.PositiveIntegerField(_("序号"))
    doc_number = models.CharField(_("文号"), max_length=40, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    target_unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("督办对象单位"), on_delete=models.PROTECT, related_name="supervision_actions"
    )
    target_person = models.CharField(_("约谈/问责对象"), max_length=100, blank=True)
    target_position = models.CharField(_("职务"), max_length=100, blank=True)
    tasks = models.ManyToManyField(
        "inspections.RectificationTask", verbose_name=_("涉及整改任务"), related_name="supervision_actions"
    )
    finding = models.ForeignKey(
        "inspections.Finding",
        verbose_name=_("涉及反馈问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_actions",
    )
    issued_on = models.DateField(_("下发日期"), default=timezone.localdate)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("下发人"), on_delete=models.PROTECT, related_name="+"
    )
    reply_due = models.DateField(_("要求回复日期"), null=True, blank=True)
    reply_text = models.TextField(_("单位回复"), blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回复人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.TextField(_("办理结果"), blank=True)
    outcome_at = models.DateTimeField(_("结果登记时间"), null=True, blank=True)
    # 约谈
    interview_at = models.DateTimeField(_("约谈时间"), null=True, blank=True)
    interview_place = models.CharField(_("约谈地点"), max_length=200, blank=True)
    attendees = models.TextField(_("参加人员"), blank=True)
    minutes = models.TextField(_("约谈纪要"), blank=True)
    # 问责
    measure = models.CharField(_("问责方式"), max_length=16, choices=AccountabilityMeasure.choices, blank=True)
    deciding_body = models.CharField(_("决定机关"), max_length=200, blank=True)
    # The generated .docx (督办通知, 专函督办, 约谈通知), kept with the action.
    document = models.FileField(_("文书"), upload_to="supervision/%Y/", blank=True, max_length=300)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = SupervisionActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "number"], name="supervision_number_per_kind_year"),
            models.CheckConstraint(
                condition=~Q(kind=SupervisionKind.ACCOUNTABILITY) | ~Q(measure=""),
                name="supervision_accountability_has_measure",
            ),
        ]
        indexes = [
            models.Index(fields=["target_unit", "issued_on"], name="supervision_unit_issued"),
            models.Index(fields=["kind", "issued_on"], name="supervision_kind_issued"),
            models.Index(fields=["reply_due"], name="supervision_reply_due", condition=Q(replied_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.doc_number} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspections:supervision_detail", args=[self.pk])

    def is_reply_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return bool(self.reply_due and self.replied_at is None and self.reply_due < today)

    def replied_late(self) -> bool:
        return bool(self.reply_due and self.replied_at and timezone.localdate(self.replied_at) > self.reply_due)


class SupervisionReplyFile(models.Model):
    action = models.ForeignKey(
        SupervisionAction, verbose_name=_("督办记录"), on_delete=models.CASCADE, related_name="reply_files"
    )
    file = models.FileField(_("文件"), upload_to="supervision/replies/%Y/%m/", max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("督办回复附件")
        verbose_name_plural = _("督办回复附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class SupervisionTemplate(models.Model):
    """A Word template the bureau edited (docxtpl tags); without one the shipped default is used."""

    kind = models.CharField(_("督办种类"), max_length=16, choices=SupervisionKind.choices, unique=True)
    file = models.FileField(_("模板文件（.docx）"), upload_to="supervision/templates/", max_length=300)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now=True)

    class Meta:
        verbose_name = _("督办文书模板")
        verbose_name_plural = _("督办文书模板")

    def __str__(self) -> str:
        return self.get_kind_display()


class SuggestionRule(models.Model):
    """A schedule warning seen in `times` distinct months suggests a kind of action (黄灯两次 → 专函督办)."""

    warning = models.CharField(_("预警等级"), max_length=8, choices=[c for c in Warning.choices if c[0] != "blue"])
    times = models.PositiveSmallIntegerField(_("预警月数（不少于）"), default=1)
    suggested_kind = models.CharField(_("建议措施"), max_length=16, choices=SupervisionKind.choices)
    reply_days = models.PositiveSmallIntegerField(_("回复期限（天）"), default=10)
    is_active = models.BooleanField(_("启用"), default=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("督办建议规则")
        verbose_name_plural = _("督办建议规则")
        ordering = ["warning", "times"]
        constraints = [models.UniqueConstraint(fields=["warning", "times"], name="suggestion_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_warning_display()} ×{self.times} → {self.get_suggested_kind_display()}"


class WarningObservation(models.Model):
    """A task was seen yellow or red in a month (by the daily job): the history that counts warnings."""

    task = models.ForeignKey(
        "inspections.RectificationTask", on_delete=models.CASCADE, related_name="warning_observations"
    )
    lead_unit = models.ForeignKey("accounts.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))  # the first day of the month
    warning = models.CharField(_("预警等级"), max_length=8, choices=Warning.choices)
    first_seen = models.DateField(_("首次发现"))

    class Meta:
        verbose_name = _("预警记录")
        verbose_name_plural = _("预警记录")
        constraints = [models.UniqueConstraint(fields=["task", "month", "warning"], name="warning_observation_unique")]
        indexes = [models.Index(fields=["month", "lead_unit", "warning"], name="warning_month_unit")]


class SupervisionSuggestion(models.Model):
    """督办建议: at most one per task, suggested kind and month (the daily job inserts, never duplicates)."""

    task = models.ForeignKey(
        "inspections.RectificationTask", verbose_name=_("整改任务"), on_delete=models.CASCADE, related_name="+"
    )
    lead_unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("牵头单位"), on_delete=models.CASCADE, related_name="+"
    )
    rule = models.ForeignKey(SuggestionRule, verbose_name=_("规则"), null=True, on_delete=models.SET_NULL)
    suggested_kind = models.CharField(_("建议措施"), max_length=16, choices=SupervisionKind.choices)
    warning = models.CharField(_("预警等级"), max_length=8, choices=Warning.choices)
    month = models.DateField(_("月份"))
    reason = models.CharField(_("建议理由"), max_length=300)
    created_on = models.DateField(_("生成日期"))
    status = models.CharField(
        _("处理状态"), max_length=16, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    action = models.ForeignKey(
        SupervisionAction,
        verbose_name=_("已下发的督办"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    dismissed_reason = models.CharField(_("驳回理由"), max_length=300, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办建议")
        verbose_name_plural = _("督办建议")
        ordering = ["-created_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "suggested_kind", "month"], name="suggestion_once_a_month")
        ]
        indexes = [models.Index(fields=["status", "created_on"], name="suggestion_status_created")]

    def __str__(self) -> str:
        return f"{self.get_suggested_kind_display()}: {self.reason}"


class AssessmentRule(models.Model):
    """考核细则: `points` per unit of the metric (negative: deducted), at most `cap` points either way."""

    metric = models.CharField(_("考核指标"), max_length=24, choices=AssessmentMetric.choices, unique=True)
    points = models.DecimalField(_("每单位分值"), max_digits=6, decimal_places=2)
    cap = models.DecimalField(_("最多计分"), max_digits=6, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("考核规则")
        verbose_name_plural = _("考核规则")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_metric_display()}: {self.points}"


class AssessmentScore(models.Model):
    """A unit's stored score for a period, with each rule's figure and points (and the rules used)."""

    unit = models.ForeignKey("accounts.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+")
    period_kind = models.CharField(_("考核周期"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    base = models.DecimalField(_("基础分"), max_digits=7, decimal_places=2)
    total = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(_("排名"), default=0)
    breakdown = models.JSONField(_("得分明细"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        ordering = ["period_start", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period_kind", "period_start"], name="score_unit_period")
        ]
        indexes = [models.Index(fields=["period_kind", "period_start", "rank"], name="score_period_rank")]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_start}: {self.total}"
