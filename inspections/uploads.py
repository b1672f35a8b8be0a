"""Checks on uploaded evidence: type by content (not by name), size, and a safe display name."""

import hashlib
import os
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import InvalidFile

# Extension -> MIME type detected from the file's bytes. docx/xlsx are zip files, told apart by content.
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
}
# Types the browser shows itself (an image, Chromium's PDF viewer): the evidence preview serves only these.
PREVIEW_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
ZIP_TYPES = frozenset(ALLOWED_TYPES[ext] for ext in (".docx", ".xlsx", ".zip"))
MACRO_TYPE = "application/vnd.ms-office.vbaProject"
ALLOWED_LABEL = gettext_lazy("PDF、JPG、PNG、DOCX、XLSX、ZIP")


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


# Markup a browser would render if it ever sniffed the file as HTML; refused even after a valid
# PDF/JPEG/PNG signature (a polyglot), since no genuine evidence file starts with it.
MARKUP_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg")
MARKUP_WINDOW = 1024
NAME_MAX = 200


def safe_display_name(name: str) -> str:
    """Keep the Chinese name the user gave, minus any path, control or bidi-override characters.

    Only shown to people (and offered as the download name); the file on disk gets a random name.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".").strip()
    if len(name) > NAME_MAX:  # shorten the stem, never the extension the type check relies on
        stem, ext = os.path.splitext(name)
        name = stem[: NAME_MAX - len(ext)] + ext if len(ext) < 16 else name[:NAME_MAX]
    return name or "file"


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.1f} KB".replace(".0 KB", " KB")
    return _("%(size)s 字节") % {"size": size}


def check_evidence_batch(files) -> None:
    """One upload (page or API): at most EVIDENCE_MAX_FILES files, EVIDENCE_MAX_REQUEST_BYTES together."""
    if len(files) > settings.EVIDENCE_MAX_FILES:
        raise InvalidFile(
            _("一次最多上传 %(limit)d 个文件（本次 %(count)d 个），请分批上传。")
            % {"limit": settings.EVIDENCE_MAX_FILES, "count": len(files)},
            field="files",
        )
    total = sum(getattr(f, "size", 0) or 0 for f in files)
    limit = settings.EVIDENCE_MAX_REQUEST_BYTES
    if total > limit:
        raise InvalidFile(
            _("本次上传的文件共 %(size)s，超过每次 %(limit)s 的上限，请分批上传。")
            % {"size": human_size(total), "limit": human_size(limit)},
            field="files",
        )


def check_evidence_file(upload) -> CheckedFile:
    name = safe_display_name(getattr(upload, "name", ""))
    size = upload.size
    if not size:
        raise InvalidFile(_("文件“%(name)s”是空文件。") % {"name": name}, field="files")
    limit = settings.EVIDENCE_MAX_BYTES
    if size > limit:
        raise InvalidFile(
            _("文件“%(name)s”大小为 %(size)s，超过 %(limit)s 的上限。")
            % {"name": name, "size": human_size(size), "limit": human_size(limit)},
            field="files",
        )
    ext = os.path.splitext(name)[1].lower()
    expected = ALLOWED_TYPES.get(ext)
    if expected is None:
        raise InvalidFile(
            _("文件“%(name)s”的类型不允许上传，只能上传 %(allowed)s 文件。") % {"name": name, "allowed": ALLOWED_LABEL},
            field="files",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    detected = filetype.guess_mime(head)
    if expected in ZIP_TYPES:
        detected = _office_or_zip(upload) if detected in (None, "application/zip", expected) else detected
    if detected != expected:
        raise InvalidFile(
            _("文件“%(name)s”的内容与扩展名不符（不是真正的 %(ext)s 文件），已拒绝。")
            % {"name": name, "ext": ext[1:].upper()},
            field="files",
        )
    if expected not in ZIP_TYPES and any(marker in head[:MARKUP_WINDOW].lower() for marker in MARKUP_MARKERS):
        raise InvalidFile(_("文件“%(name)s”含有网页代码，已拒绝。") % {"name": name}, field="files")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(name=name, content_type=expected, size=size, sha256=digest.hexdigest())


def _office_or_zip(upload) -> str | None:
    """Tell docx / xlsx / plain zip apart by the archive's members."""
    import zipfile

    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return MACRO_TYPE  # a macro-enabled .docm/.xlsm renamed: never matches an allowed type
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return ALLOWED_TYPES[".docx"]
        if any(n.startswith("xl/") for n in names):
            return ALLOWED_TYPES[".xlsx"]
    return ALLOWED_TYPES[".zip"]
