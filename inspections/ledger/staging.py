"""Uploaded ledgers wait between preview and confirm under MEDIA_ROOT/imports/, keyed by a random token."""

import json
import re
import secrets
from pathlib import Path

from django.conf import settings

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
STAGING_DIR = "imports"  # under MEDIA_ROOT; a preview never confirmed is removed by the daily clean-up


def _dir() -> Path:
    return Path(settings.MEDIA_ROOT) / STAGING_DIR


def stage_upload(upload, *, user, round_id: int | None, as_of: str = "") -> tuple[str, Path]:
    token = secrets.token_hex(16)
    folder = _dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{token}.xlsx"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    (folder / f"{token}.json").write_text(
        json.dumps({"user": user.pk, "round": round_id, "name": upload.name, "as_of": as_of}), encoding="utf-8"
    )
    return token, path


def save_preview(token: str, data: dict) -> None:
    """What the preview pages show, kept beside the staged file so paging does not re-read the workbook."""
    if isinstance(token, str) and _TOKEN.match(token):
        (_dir() / f"{token}.preview.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def load_preview(token: str) -> dict | None:
    path = _dir() / f"{token}.preview.json"
    if not (isinstance(token, str) and _TOKEN.match(token)) or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def staged(token: str, *, user) -> tuple[Path, dict] | None:
    """The staged file and its metadata, only for the user who uploaded it."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    path, meta_path = _dir() / f"{token}.xlsx", _dir() / f"{token}.json"
    if not path.is_file() or not meta_path.is_file():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("user") != user.pk:
        return None
    return path, meta


def discard(token: str) -> None:
    if isinstance(token, str) and _TOKEN.match(token):
        for suffix in (".xlsx", ".json", ".preview.json"):
            (_dir() / f"{token}{suffix}").unlink(missing_ok=True)
