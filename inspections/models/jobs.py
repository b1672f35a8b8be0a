"""Background export jobs: a large ledger export runs in Celery and is downloaded by its owner."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import JobStatus


class ExportJob(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    # The task list's query string as {name: [values]}: the job exports what the screen showed.
    params = models.JSONField(_("筛选条件"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveIntegerField(_("已写入行数"), default=0)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    file_path = models.CharField(_("文件路径"), max_length=300, blank=True, help_text=_("相对 EXPORT_ROOT"))
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Set by the daily clean-up (inspections.housekeeping.services) when it deletes the file.
    expired_at = models.DateTimeField(_("文件过期删除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"导出 #{self.pk} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.progress / self.total)) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def is_expired(self) -> bool:
        return self.expired_at is not None


class ImportJob(models.Model):
    """A confirmed ledger import too large for the request: written by Celery, its progress polled by the page.

    Small imports record a job too (run at once), so every import has one result page to redirect to.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    token = models.CharField(_("暂存文件"), max_length=32, blank=True)
    # as_of, round, accepted task keys, prefer_file, create_leaders, create_units: what the confirm form said.
    params = models.JSONField(_("导入选项"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveIntegerField(_("已处理行数"), default=0)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    result = models.JSONField(_("导入结果"), default=dict, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"导入 #{self.pk} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.progress / self.total)) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class PendingJob(models.Model):
    """Background work that could not be handed to the broker (Redis down): kept here until it can.

    Written by inspections.background when publishing fails after the service's transaction committed;
    sent again, oldest first, by the `inspections.send_pending_jobs` beat job and whenever a worker starts.
    The work itself is recorded by its service (an export job, a report ...): this row only says "not yet queued".
    """

    task_name = models.CharField(_("后台任务"), max_length=200)
    args = models.JSONField(_("参数"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("发送次数"), default=1)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("待入队的后台任务")
        verbose_name_plural = _("待入队的后台任务")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"
