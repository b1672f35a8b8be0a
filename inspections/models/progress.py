"""整改进展: a dated progress report on a task."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .records import AppendOnlyRecord


class ProgressUpdate(AppendOnlyRecord):
    task = models.ForeignKey(
        "inspections.RectificationTask",
        verbose_name=_("整改任务"),
        on_delete=models.CASCADE,
        related_name="progress_updates",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_on = models.DateField(_("填报日期"), default=timezone.localdate)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    text = models.TextField(_("整改进展情况"))
    percent = models.PositiveSmallIntegerField(
        _("完成比例（%）"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # Cumulative money invested as of this report (累计投入资金, 万元); NULL when not known.
    investment = models.DecimalField(
        _("累计投入资金（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="progress_percent_range"),
            models.CheckConstraint(condition=models.Q(investment__gte=0), name="progress_investment_positive"),
        ]
        indexes = [models.Index(fields=["task", "reported_on"], name="progress_task_date")]

    def __str__(self) -> str:
        return f"{self.reported_on} {self.percent}%"
