"""What the reminder sweep sent: one record per task, kind and day, and one digest per recipient.

The unique constraints are the idempotency guard: a second sweep on the same day, or a retried
one after a worker died, finds its records already there and sends nothing twice. A digest keeps
its own delivery state, so a unit whose email failed is retried without resending to the others.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import DigestAudience, JobStatus, ReminderKind


class ReminderRecord(models.Model):
    task = models.ForeignKey(
        "inspections.RectificationTask",
        verbose_name=_("整改任务"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("提醒类型"), max_length=16, choices=ReminderKind.choices)
    day = models.DateField(_("提醒日期"))
    deadline = models.DateField(_("当时的整改期限"))
    # Due reminders: the step (7, 3, 1 days) this reminder stands for; each is sent once per deadline.
    threshold = models.SmallIntegerField(_("提醒节点（天）"), null=True, blank=True)
    days = models.IntegerField(_("剩余/逾期天数"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        ordering = ["-day", "task_id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "kind", "day"], name="reminder_once_per_task_kind_day"),
        ]
        indexes = [models.Index(fields=["day", "kind"], name="reminder_day_kind")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} #{self.task_id}"


class ReminderDigest(models.Model):
    """One message per unit (or per escalation recipient) per day, listing that day's records."""

    day = models.DateField(_("提醒日期"))
    audience = models.CharField(_("对象"), max_length=16, choices=DigestAudience.choices)
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    items = models.PositiveIntegerField(_("任务数"), default=0)
    notified_at = models.DateTimeField(_("站内消息时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        verbose_name = _("提醒摘要")
        verbose_name_plural = _("提醒摘要")
        ordering = ["-day", "audience", "unit_id", "recipient_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit"], condition=Q(unit__isnull=False), name="digest_once_per_unit_day"
            ),
            models.UniqueConstraint(
                fields=["day", "recipient"], condition=Q(recipient__isnull=False), name="digest_once_per_recipient_day"
            ),
            models.CheckConstraint(
                condition=(Q(audience=DigestAudience.UNIT) & Q(unit__isnull=False) & Q(recipient__isnull=True))
                | (Q(audience=DigestAudience.ESCALATION) & Q(unit__isnull=True) & Q(recipient__isnull=False)),
                name="digest_unit_or_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.unit or self.recipient}"
