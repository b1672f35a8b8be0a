"""督察轮次: one inspection (central, provincial, look-back ...)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import RoundKind


class InspectionRound(models.Model):
    kind = models.CharField(_("督察类型"), max_length=24, choices=RoundKind.choices)
    batch = models.PositiveSmallIntegerField(_("轮次"), default=1, help_text=_("第几轮，例如第二轮中央督察填 2"))
    name = models.CharField(_("轮次名称"), max_length=120, unique=True)
    inspection_start = models.DateField(_("督察进驻日期"), null=True, blank=True)
    inspection_end = models.DateField(_("督察结束日期"), null=True, blank=True)
    feedback_date = models.DateField(_("反馈日期"), null=True, blank=True)
    plan_due_date = models.DateField(_("整改方案报送期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("督察轮次")
        verbose_name_plural = _("督察轮次")
        ordering = ["feedback_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(inspection_end__isnull=True)
                | models.Q(inspection_start__isnull=True)
                | models.Q(inspection_end__gte=models.F("inspection_start")),
                name="round_end_after_start",
            ),
            models.CheckConstraint(condition=models.Q(batch__gte=1), name="round_batch_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """The constraints' rules as field messages (full_clean then skips the constraint on those fields),
        instead of Django's "约束 “round_end_after_start” 是无效的"."""
        super().clean()
        errors = {}
        if self.inspection_start and self.inspection_end and self.inspection_end < self.inspection_start:
            errors["inspection_end"] = _("督察结束日期不能早于督察进驻日期。")
        if self.batch is not None and self.batch < 1:
            errors["batch"] = _("轮次至少为 1。")
        if errors:
            raise ValidationError(errors)

    @property
    def short_name(self) -> str:
        """The name as people say it, for titles where several rounds share task codes ("任务 第二轮中央环保督察
        13-1"): 生态环境保护 shortened to 环保, as bureaus write it."""
        return self.name.replace("生态环境保护", "环保")
