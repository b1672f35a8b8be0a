"""周调度通报: a dispatch report as of a date, with its workbook under EXPORT_ROOT/reports."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import JobStatus


class DispatchReport(models.Model):
    report_date = models.DateField(_("截至日期"), unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    narrative = models.TextField(_("通报摘要"), blank=True)
    # The figures the page shows (rounds, units, and the lists capped; the workbook has them all).
    data = models.JSONField(_("通报数据"), default=dict, blank=True)
    # Relative to settings.EXPORT_ROOT, so moving the export directory keeps old reports reachable.
    file_path = models.CharField(_("文件"), max_length=300, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调度通报")
        verbose_name_plural = _("调度通报")
        ordering = ["-report_date"]

    def __str__(self) -> str:
        return f"{self.report_date:%Y-%m-%d} 调度通报"

    @property
    def file_name(self) -> str:
        return f"督察整改周调度通报（截至{self.report_date:%Y年%m月%d日}）.xlsx"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspections:report_detail", args=[self.pk])
