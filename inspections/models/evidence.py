"""佐证材料: files proving the work. Stored under MEDIA_ROOT with random names, never served statically."""

import os
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import EvidenceKind
from .records import AppendOnlyRecord

# Evidence files live under MEDIA_ROOT/EVIDENCE_DIR/<task id>/ (the clean-up sweeps only this folder).
EVIDENCE_DIR = "evidence"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    # The stored name is random: the user's name (kept in original_name) never reaches the disk.
    ext = os.path.splitext(filename)[1].lower()
    ext = ext if ext.isascii() and len(ext) <= 6 and ext[1:].isalnum() else ""
    return f"{EVIDENCE_DIR}/{instance.task_id}/{uuid.uuid4().hex}{ext}"


class Evidence(AppendOnlyRecord):
    """One stored file; its bytes never change. A mistaken file is withdrawn (with a reason), not deleted."""

    MUTABLE_FIELDS = ("withdrawn_at", "withdrawn_by", "withdrawal_reason")

    task = models.ForeignKey(
        "inspections.RectificationTask", verbose_name=_("整改任务"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    kind = models.CharField(_("材料类型"), max_length=16, choices=EvidenceKind.choices, default=EvidenceKind.DOCUMENT)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawal_reason = models.CharField(_("撤回理由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="evidence_not_empty"),
            # A withdrawal always says why.
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True) | ~models.Q(withdrawal_reason=""),
                name="evidence_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
