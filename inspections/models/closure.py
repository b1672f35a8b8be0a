"""Closure (销号) the way bureaus close: the configurable chain of steps, acceptance records, public notices
and their objections, sign-off delegations, deadline extensions and look-back (回头看) re-checks.

The task's state is the transition table's (inspections/workflow.py); these rows are what each step
recorded: who, when, what they concluded.
"""

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role

from ..choices import (
    AcceptanceConclusion,
    ClosureStep,
    ExtensionStatus,
    LookbackVerdict,
    ObjectionDecision,
    RoundKind,
)

_USER = settings.AUTH_USER_MODEL


class ClosureChain(models.Model):
    """销号流程: the ordered steps after a closure request, for one round or for every round of a kind."""

    name = models.CharField(_("名称"), max_length=100)
    inspection_round = models.OneToOneField(
        "inspections.InspectionRound",
        verbose_name=_("督察轮次"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closure_chain",
        help_text=_("只用于这一轮次；留空则按督察类型适用。"),
    )
    round_kind = models.CharField(
        _("督察类型"), max_length=24, choices=RoundKind.choices, blank=True, help_text=_("该类型的所有轮次适用。")
    )

    class Meta:
        verbose_name = _("销号流程")
        verbose_name_plural = _("销号流程")
        constraints = [
            models.UniqueConstraint(
                fields=["round_kind"], condition=models.Q(inspection_round__isnull=True), name="closure_chain_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(inspection_round__isnull=False) | ~models.Q(round_kind=""),
                name="closure_chain_round_or_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.inspection_round_id is None and not self.round_kind:
            raise ValidationError(_("请选择适用的督察轮次或督察类型。"))
        if self.inspection_round_id is not None and self.round_kind:
            raise ValidationError(_("督察轮次和督察类型只能选一个：指定轮次时请留空督察类型。"))

    def as_steps(self):
        from ..workflow import ChainStep

        return tuple(ChainStep(s.step, s.role, s.required) for s in self.steps.all())

    @staticmethod
    def steps_errors(steps) -> list[str]:
        """Why these steps (ClosureChainStep rows, saved or not, in order) make no usable chain."""
        from ..workflow import ChainStep, chain_errors

        return chain_errors(tuple(ChainStep(s.step, s.role, s.required) for s in steps))


class ClosureChainStep(models.Model):
    chain = models.ForeignKey(ClosureChain, verbose_name=_("销号流程"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    step = models.CharField(_("步骤"), max_length=16, choices=ClosureStep.choices)
    role = models.CharField(_("办理角色"), max_length=16, choices=Role.choices)
    required = models.BooleanField(_("必经步骤"), default=True)

    class Meta:
        verbose_name = _("销号步骤")
        verbose_name_plural = _("销号步骤")
        ordering = ["chain", "order"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "step"], name="closure_step_once"),
            models.UniqueConstraint(fields=["chain", "order"], name="closure_step_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_step_display()}"


class SignOffDelegation(models.Model):
    """A responsible leader lets another leader sign (审签) in their place."""

    leader = models.ForeignKey(_USER, verbose_name=_("责任领导"), on_delete=models.CASCADE, related_name="+")
    delegate = models.ForeignKey(_USER, verbose_name=_("受委托领导"), on_delete=models.CASCADE, related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("委托时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审签委托")
        verbose_name_plural = _("审签委托")

    def __str__(self) -> str:
        return f"{self.leader} → {self.delegate}"

    def clean(self):
        if self.leader_id and self.leader_id == self.delegate_id:
            raise ValidationError(_("不能委托给本人。"))
        for field in ("leader", "delegate"):
            user = getattr(self, field) if getattr(self, f"{field}_id") else None
            if user is not None and user.role != Role.LEADER:
                raise ValidationError({field: _("只能是领导账号。")})


# The four closing standards of an acceptance (domain: closing standards), each yes/no with a note.
CLOSING_STANDARDS = (
    ("measures_done", _("整改措施全部完成")),
    ("violations_punished", _("违法行为已查处到位")),
    ("lessons_applied", _("已举一反三")),
    ("results_public", _("整改结果已公开")),
)


class AcceptanceRecord(models.Model):
    """验收: the on-site check with at least two named acceptors, the standards and the written conclusion."""

    task = models.ForeignKey(
        "inspections.RectificationTask",
        verbose_name=_("整改任务"),
        on_delete=models.CASCADE,
        related_name="acceptances",
    )
    checked_on = models.DateField(_("现场验收日期"))
    acceptors = models.JSONField(_("验收人"), default=list, help_text=_("[{name, unit}]，至少两人"))
    conclusion = models.CharField(_("验收结论"), max_length=8, choices=AcceptanceConclusion.choices)
    opinion = models.TextField(_("验收意见"), blank=True)
    measures_done = models.BooleanField(_("整改措施全部完成"), default=False)
    measures_done_note = models.CharField(_("说明"), max_length=300, blank=True)
    violations_punished = models.BooleanField(_("违法行为已查处到位"), default=False)
    violations_punished_note = models.CharField(_("说明"), max_length=300, blank=True)
    lessons_applied = models.BooleanField(_("已举一反三"), default=False)
    lessons_applied_note = models.CharField(_("说明"), max_length=300, blank=True)
    results_public = models.BooleanField(_("整改结果已公开"), default=False)
    results_public_note = models.CharField(_("说明"), max_length=300, blank=True)
    report = models.ForeignKey(
        "inspections.Evidence", verbose_name=_("验收报告"), null=True, blank=True, on_delete=models.PROTECT
    )
    recorded_by = models.ForeignKey(
        _USER, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("验收记录")
        verbose_name_plural = _("验收记录")
        ordering = ["task", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.checked_on} {self.get_conclusion_display()}"

    @property
    def standards(self) -> list[dict]:
        return [
            {"key": key, "label": label, "met": getattr(self, key), "note": getattr(self, f"{key}_note")}
            for key, label in CLOSING_STANDARDS
        ]

    @property
    def acceptor_names(self) -> str:
        return "、".join(f"{a.get('name', '')}（{a.get('unit', '')}）" for a in self.acceptors)


class PublicNotice(models.Model):
    """公示: where the result was published and for how long."""

    task = models.ForeignKey(
        "inspections.RectificationTask", verbose_name=_("整改任务"), on_delete=models.CASCADE, related_name="notices"
    )
    starts_on = models.DateField(_("公示开始日期"))
    ends_on = models.DateField(_("公示结束日期"))
    where = models.CharField(_("公示媒体或地点"), max_length=300)
    link = models.URLField(_("公示链接"), blank=True, max_length=500)
    started_by = models.ForeignKey(
        _USER, verbose_name=_("发起人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["task", "-created_at"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.starts_on}–{self.ends_on}"


class NoticeObjection(models.Model):
    """An objection received during a public notice: recorded, then decided (an upheld one sends the task back)."""

    notice = models.ForeignKey(
        PublicNotice, verbose_name=_("公示"), on_delete=models.CASCADE, related_name="objections"
    )
    received_on = models.DateField(_("收到日期"))
    raised_by = models.CharField(_("异议人"), max_length=100, blank=True)
    content = models.TextField(_("异议内容"))
    decision = models.CharField(
        _("处理结果"), max_length=8, choices=ObjectionDecision.choices, default=ObjectionDecision.PENDING
    )
    decision_note = models.TextField(_("处理意见"), blank=True)
    decided_by = models.ForeignKey(
        _USER, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        _USER, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["notice", "created_at"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.received_on} {self.get_decision_display()}"


class DeadlineExtension(models.Model):
    """延期申请: the unit asks for a new deadline with a reason; the bureau approves or refuses."""

    task = models.ForeignKey(
        "inspections.RectificationTask", verbose_name=_("整改任务"), on_delete=models.CASCADE, related_name="extensions"
    )
    requested_deadline_text = models.CharField(_("申请调整后期限"), max_length=200)
    requested_deadline = models.DateField(_("申请调整后期限（日期）"))
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey(
        _USER, verbose_name=_("申请人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    previous_deadline_text = models.CharField(_("申请时的期限"), max_length=200)
    previous_deadline = models.DateField(_("申请时的期限（日期）"), null=True, blank=True)
    status = models.CharField(
        _("审批结果"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decision_note = models.TextField(_("审批意见"), blank=True)
    decided_by = models.ForeignKey(
        _USER, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["task", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=models.Q(status="pending"), name="extension_one_pending_per_task"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.requested_deadline_text} ({self.get_status_display()})"


class LookbackRound(models.Model):
    """回头看: a re-check round over a sample of closed tasks (a percentage drawn with a recorded seed, or hand-picked)."""

    name = models.CharField(_("名称"), max_length=200)
    inspection_round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("督察轮次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    percentage = models.PositiveSmallIntegerField(_("抽查比例（%）"), null=True, blank=True)
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)
    population = models.PositiveIntegerField(_("可抽查的已销号任务数"), default=0)
    created_by = models.ForeignKey(
        _USER, verbose_name=_("发起人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)

    class Meta:
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def hand_picked(self) -> bool:
        return self.percentage is None


class LookbackCheck(models.Model):
    """One sampled closed task and its re-check: date, inspector, verdict; a relapse opens a new linked task."""

    lookback = models.ForeignKey(
        LookbackRound, verbose_name=_("回头看"), on_delete=models.CASCADE, related_name="checks"
    )
    task = models.ForeignKey(
        "inspections.RectificationTask",
        verbose_name=_("整改任务"),
        on_delete=models.PROTECT,
        related_name="lookback_checks",
    )
    checked_on = models.DateField(_("复查日期"), null=True, blank=True)
    inspector = models.CharField(_("复查人"), max_length=100, blank=True)
    verdict = models.CharField(_("复查结论"), max_length=8, choices=LookbackVerdict.choices, blank=True)
    note = models.TextField(_("复查情况"), blank=True)
    new_task = models.ForeignKey(
        "inspections.RectificationTask",
        verbose_name=_("重新整改任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        _USER, verbose_name=_("记录人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回头看复查")
        verbose_name_plural = _("回头看复查")
        ordering = ["lookback", "task_id"]
        constraints = [models.UniqueConstraint(fields=["lookback", "task"], name="lookback_task_once")]

    def __str__(self) -> str:
        return f"{self.lookback_id} {self.task_id} {self.get_verdict_display()}"


LOOKBACK_DIR = "lookback"


def lookback_photo_upload_to(instance: "LookbackPhoto", filename: str) -> str:
    ext = os.path.splitext(filename)[1].lower()
    ext = ext if ext.isascii() and len(ext) <= 6 and ext[1:].isalnum() else ""
    return f"{LOOKBACK_DIR}/{instance.lookback_check_id}/{uuid.uuid4().hex}{ext}"


class LookbackPhoto(models.Model):
    lookback_check = models.ForeignKey(
        LookbackCheck, verbose_name=_("回头看复查"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("文件"), upload_to=lookback_photo_upload_to, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        _USER, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("回头看照片")
        verbose_name_plural = _("回头看照片")

    def __str__(self) -> str:
        return self.original_name
