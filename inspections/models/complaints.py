"""交办件: citizens' complaints an inspection team transfers to the locality in daily batches (第N批).

A batch belongs to a round and sets the reply deadline; a case is one complaint (受理编号) with its
responsible unit, investigation, verdict, counted handling, closure and follow-up call. The status
machine is inspections/complaints/workflow.py; every write goes through inspections/complaints/services.py.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import CaseChannel, CaseStatus, CaseVerdict, FollowUpResult, PollutionType


class ComplaintBatch(models.Model):
    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("督察轮次"),
        on_delete=models.PROTECT,
        related_name="complaint_batches",
    )
    number = models.PositiveSmallIntegerField(_("批次"), help_text=_("第几批交办"))
    received_on = models.DateField(_("交办日期"), default=timezone.localdate)
    reply_days = models.PositiveSmallIntegerField(_("办理时限（天）"), default=10)
    working_days = models.BooleanField(_("按工作日计"), default=False)
    reply_deadline = models.DateField(_("反馈期限"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("交办批次")
        verbose_name_plural = _("交办批次")
        ordering = ["round_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="complaint_batch_unique_in_round"),
            models.CheckConstraint(condition=Q(number__gte=1), name="complaint_batch_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.round} 第{self.number}批"


class ComplaintCase(models.Model):
    batch = models.ForeignKey(
        ComplaintBatch, verbose_name=_("交办批次"), on_delete=models.PROTECT, related_name="cases"
    )
    # Copied from the batch so lists and rates group by round without a join (never edited on its own).
    round = models.ForeignKey(
        "inspections.InspectionRound", verbose_name=_("督察轮次"), on_delete=models.PROTECT, related_name="+"
    )
    seq = models.PositiveIntegerField(_("序号"), default=1)
    code = models.CharField(_("受理编号"), max_length=64)
    channel = models.CharField(_("来源"), max_length=8, choices=CaseChannel.choices, default=CaseChannel.OTHER)
    summary = models.TextField(_("交办问题基本情况"))
    summary_normalised = models.TextField(_("规范化文本"), blank=True, editable=False)
    region = models.CharField(_("行政区域"), max_length=100, blank=True)
    pollution_type = models.CharField(
        _("污染类型"), max_length=16, choices=PollutionType.choices, default=PollutionType.OTHER
    )
    is_key = models.BooleanField(_("重点件"), default=False)
    # Bureau staff only (access.can_see_complainant); never written to the disclosure list.
    complainant = models.CharField(_("投诉人"), max_length=100, blank=True)
    complainant_contact = models.CharField(_("投诉人联系方式"), max_length=100, blank=True)

    status = models.CharField(_("办理状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.RECEIVED)
    lead_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_complaint_cases",
    )
    cooperating_units = models.ManyToManyField(
        "accounts.Unit", verbose_name=_("配合单位"), blank=True, related_name="cooperating_complaint_cases"
    )
    assigned_on = models.DateField(_("转办日期"), null=True, blank=True)
    investigation = models.TextField(_("调查核实情况"), blank=True)
    verdict = models.CharField(_("是否属实"), max_length=16, choices=CaseVerdict.choices, blank=True)
    needs_rectification = models.BooleanField(_("需要整改"), default=False)
    handling = models.TextField(_("处理和整改情况"), blank=True)
    accountability = models.TextField(_("责任人被处理情况"), blank=True)
    disclosure_text = models.TextField(
        _("公开内容"), blank=True, help_text=_("公开一览表“处理和整改情况”一栏；留空时使用处理和整改情况")
    )
    # Handling as numbers (summed in the daily report and the bureau's totals), not text.
    ordered_fix = models.PositiveIntegerField(_("责令整改（家）"), default=0)
    penalty_cases = models.PositiveIntegerField(_("立案处罚（起）"), default=0)
    fine_amount = models.DecimalField(
        _("罚款（万元）"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    criminal_cases = models.PositiveIntegerField(_("立案侦查（件）"), default=0)
    detained = models.PositiveIntegerField(_("行政拘留（人）"), default=0)
    interviewed = models.PositiveIntegerField(_("约谈（人）"), default=0)
    held_accountable = models.PositiveIntegerField(_("问责（人）"), default=0)

    reported_at = models.DateTimeField(_("报送调查结果时间"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销号人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    follow_up_result = models.CharField(_("回访结果"), max_length=16, choices=FollowUpResult.choices, blank=True)
    follow_up_on = models.DateField(_("回访日期"), null=True, blank=True)
    follow_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    follow_up_note = models.TextField(_("回访情况"), blank=True)

    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("重复件（原件）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    repeat_score = models.FloatField(_("相似度"), null=True, blank=True)
    finding = models.ForeignKey(
        "inspections.Finding",
        verbose_name=_("转入台账的反馈问题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaint_cases",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "summary_normalised"])

    class Meta:
        verbose_name = _("交办件")
        verbose_name_plural = _("交办件")
        ordering = ["round_id", "batch__number", "seq", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "code"], name="complaint_code_unique_in_batch"),
            models.CheckConstraint(condition=Q(fine_amount__gte=0), name="complaint_fine_positive"),
            models.CheckConstraint(condition=~Q(repeat_of=models.F("pk")), name="complaint_not_own_repeat"),
        ]
        indexes = [
            models.Index(fields=["round", "status"], name="complaint_round_status"),
            models.Index(fields=["lead_unit", "status"], name="complaint_unit_status"),
            models.Index(fields=["code"], name="complaint_code"),
            models.Index(fields=["round", "region"], name="complaint_round_region"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.summary[:30]}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspections:complaint_detail", args=[self.pk])

    @property
    def deadline(self):
        return self.batch.reply_deadline

    @property
    def is_repeat(self) -> bool:
        return self.repeat_of_id is not None


class ComplaintEvent(models.Model):
    """The case's timeline: every move of the status table and every recorded step, with who and why."""

    case = models.ForeignKey(ComplaintCase, verbose_name=_("交办件"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("操作"), max_length=24)
    from_status = models.CharField(_("原状态"), max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=CaseStatus.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("交办件动态")
        verbose_name_plural = _("交办件动态")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="complaint_event_case_at")]

    def __str__(self) -> str:
        return f"{self.action} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"  # Asia/Shanghai, not UTC
