"""反馈问题: one problem of an inspectorate's feedback, numbered within its round."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import Category, FindingSource


class Finding(models.Model):
    round = models.ForeignKey(
        "inspections.InspectionRound", verbose_name=_("督察轮次"), on_delete=models.PROTECT, related_name="findings"
    )
    number = models.PositiveIntegerField(_("问题编号"))
    summary = models.CharField(_("问题简述"), max_length=500)
    description = models.TextField(_("问题描述"), blank=True)
    category = models.CharField(_("问题类别"), max_length=24, choices=Category.choices, default=Category.OTHER)
    region = models.CharField(_("所属区域"), max_length=100, blank=True)
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_findings",
    )
    source = models.CharField(
        _("问题来源"), max_length=16, choices=FindingSource.choices, default=FindingSource.FEEDBACK
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Bumped by every edit (finding_update): a form or API client posting an older one is refused.
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("反馈问题")
        verbose_name_plural = _("反馈问题")
        ordering = ["round_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="finding_number_unique_in_round"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="finding_number_positive"),
        ]
        indexes = [models.Index(fields=["category"], name="finding_category")]

    @classmethod
    def from_db(cls, db, field_names, values):
        finding = super().from_db(db, field_names, values)
        finding._saved_scope = (finding.__dict__.get("round_id"), finding.__dict__.get("category"))
        return finding

    def save(self, *args, **kwargs):
        """Saving a changed round or category copies it onto the finding's tasks (their denormalised columns)."""
        adding = self._state.adding
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not {"round", "round_id", "category"} & set(update_fields):
            return  # neither was written
        scope = (self.round_id, self.category)
        if not adding and getattr(self, "_saved_scope", None) != scope:
            from ..summaries import figures_tracked  # the summaries module reads the models

            moved = self.tasks.exclude(round_id=self.round_id, category=self.category)
            with figures_tracked(list(moved.values_list("pk", flat=True))):  # the dashboard's counters
                moved.update(round_id=self.round_id, category=self.category)
        self._saved_scope = scope

    def __str__(self) -> str:
        return f"{self.number}. {self.summary[:40]}"
