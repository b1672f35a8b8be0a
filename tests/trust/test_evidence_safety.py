"""Evidence attacks: wrong type renamed, oversize, path traversal in names, HTML, disguised archives."""

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections import services
from inspections.choices import EvidenceKind
from inspections.errors import InvalidFile, NotAllowed
from inspections.models import Evidence
from inspections.uploads import ALLOWED_TYPES, check_evidence_file, safe_display_name

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 120
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/tasks/').then(r=>r.text()).then(alert)</script></body></html>"


def png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def zip_of(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx(extra: dict | None = None) -> bytes:
    """A minimal but genuine Word document (opens in Word/LibreOffice)."""
    return zip_of(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                'document.main+xml"/></Types>'
            ),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
            ),
            "word/document.xml": (
                '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>整改完成情况报告</w:t></w:r></w:p></w:body>'
                "</w:document>"
            ),
            **(extra or {}),
        }
    )


def xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["任务编号", "完成比例"])
    workbook.active.append(["3-2", 100])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def media_files(settings) -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


# --- the checks on one file ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("整改报告.pdf", PDF, "application/pdf"),
        ("现场照片.JPG", JPEG, "image/jpeg"),
        ("现场照片.jpeg", JPEG, "image/jpeg"),
        ("截图.png", png(), "image/png"),
        ("整改完成情况报告.docx", docx(), ALLOWED_TYPES[".docx"]),
        ("销号台账.xlsx", xlsx(), ALLOWED_TYPES[".xlsx"]),
        ("照片合集.zip", zip_of({"1.jpg": JPEG}), "application/zip"),
    ],
)
def test_genuine_files_are_accepted(name, content, content_type):
    checked = check_evidence_file(upload(name, content))
    assert (checked.name, checked.content_type, checked.size) == (name, content_type, len(content))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("照片.pdf", png()),  # a picture renamed
        ("报告.pdf", ELF),  # a Linux program renamed
        ("报告.pdf", EXE),  # a Windows program renamed
        ("报告.pdf", JPEG),
        ("照片.png", PDF),
        ("照片.jpg", png()),
        ("报告.pdf", HTML),  # a web page renamed
        ("照片.png", HTML),
        ("照片.jpg", HTML),
        ("报告.docx", zip_of({"payload.exe": EXE})),  # a plain archive renamed
        ("报告.docx", xlsx()),  # a workbook renamed as a document
        ("台账.xlsx", docx()),
        ("台账.xlsx", zip_of({"a.txt": b"x"})),
        ("报告.docx", PDF),
        ("报告.docx", docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})),  # a .docm renamed
        ("照片合集.zip", docx()),  # a document is not an archive of evidence
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(name, content):
    with pytest.raises(InvalidFile) as caught:
        check_evidence_file(upload(name, content))
    assert "内容与扩展名不符" in caught.value.message
    assert caught.value.field == "files"


@pytest.mark.parametrize(
    "name",
    [
        "页面.html",
        "页面.htm",
        "图标.svg",
        "程序.exe",
        "脚本.js",
        "说明.txt",
        "无扩展名",
        "报告.pdf.html",
        "报告.pdf\x00.html",
        "报告.pdf.",
    ],
)
def test_types_outside_the_list_are_refused_by_name(name):
    with pytest.raises(InvalidFile) as caught:
        check_evidence_file(upload(name, HTML if "htm" in name else PDF))
    assert "类型不允许上传" in caught.value.message


@pytest.mark.parametrize(
    "content", [PDF[:9] + b"<html><script>alert(1)</script>" + PDF[9:], png()[:33] + b"<svg onload=alert(1)>"]
)
def test_html_hidden_behind_a_valid_signature_is_refused(content):
    name = "报告.pdf" if content.startswith(b"%PDF") else "照片.png"
    with pytest.raises(InvalidFile) as caught:
        check_evidence_file(upload(name, content))
    assert "网页代码" in caught.value.message


def test_empty_file_is_refused():
    with pytest.raises(InvalidFile) as caught:
        check_evidence_file(upload("空白.pdf", b""))
    assert caught.value.message == "文件“空白.pdf”是空文件。"


def test_size_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 2048
    exactly = PDF + b"%" * (2048 - len(PDF))
    assert check_evidence_file(upload("刚好.pdf", exactly)).size == 2048

    with pytest.raises(InvalidFile) as caught:
        check_evidence_file(upload("太大.pdf", exactly + b"%"))
    assert caught.value.message == "文件“太大.pdf”大小为 2 KB，超过 2 KB 的上限。"


def test_size_limit_message_in_megabytes(settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    big = PDF + b"%" * (3 * 1024 * 1024)
    with pytest.raises(InvalidFile) as caught:
        check_evidence_file(upload("扫描件.pdf", big))
    assert "大小为 3 MB，超过 1 MB 的上限" in caught.value.message


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\x.pdf", "x.pdf"),
        ("C:\\Users\\李\\桌面\\整改报告.pdf", "整改报告.pdf"),
        ("/var/lib/rectify/media/evidence/1/a.pdf", "a.pdf"),
        ("..", "file"),
        ("...pdf", "pdf"),
        (".htaccess", "htaccess"),
        ("报告\u202efdp.exe", "报告fdp.exe"),  # right-to-left override that would display as "exe.pdf"
        ("报\x00告\r\n.pdf", "报告.pdf"),
        ("  整改报告.pdf  ", "整改报告.pdf"),
        ("re\u0301sume\u0301.pdf", "r\u00e9sum\u00e9.pdf"),  # decomposed accents are composed (NFC)
    ],
)
def test_display_names_are_sanitised(given, shown):
    assert safe_display_name(given) == shown


def test_long_names_keep_their_extension():
    name = safe_display_name("关于" + "某某河道" * 100 + "整改情况的报告.pdf")
    assert len(name) == 200 and name.endswith(".pdf")
    assert check_evidence_file(upload("关于" + "某" * 300 + ".pdf", PDF)).name.endswith(".pdf")


# --- through the service ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\x.pdf", "../../../../../../tmp/evil.pdf", "/etc/cron.d/evil.pdf"]
)
def test_traversal_names_are_stored_under_a_random_name_inside_the_task_folder(settings, unit_user, task, name):
    [evidence] = services.task_evidence_add(
        actor=unit_user, task=task, files=[upload(name, PDF)], kind=EvidenceKind.DOCUMENT
    )

    assert evidence.original_name == safe_display_name(name)
    assert "/" not in evidence.original_name and "\\" not in evidence.original_name
    assert re.fullmatch(rf"evidence/{task.pk}/[0-9a-f]{{32}}\.pdf", evidence.file.name)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    stored = Path(evidence.file.path).resolve()
    assert stored.is_relative_to(media_root / "evidence" / str(task.pk))
    assert media_files(settings) == [stored]
    assert stored.read_bytes() == PDF
    assert not (media_root.parent / "etc").exists() and not (media_root.parent / "x.pdf").exists()


def test_stored_names_never_collide(unit_user, task):
    saved = services.task_evidence_add(
        actor=unit_user, task=task, kind=EvidenceKind.PHOTO, files=[upload("照片.jpg", JPEG), upload("照片.jpg", JPEG)]
    )
    assert len({e.file.name for e in saved}) == 2
    assert [e.original_name for e in saved] == ["照片.jpg", "照片.jpg"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.pdf", png()),
        ("报告.pdf", ELF),
        ("页面.html", HTML),
        ("报告.pdf", HTML),
        ("照片.png", HTML),
        ("报告.docx", zip_of({"a.txt": b"x"})),
        ("空白.pdf", b""),
    ],
)
def test_service_refuses_bad_files_and_stores_nothing(settings, unit_user, task, name, content):
    version = task.version
    with pytest.raises(InvalidFile):
        services.task_evidence_add(
            actor=unit_user,
            task=task,
            kind=EvidenceKind.DOCUMENT,
            files=[upload("合格.pdf", PDF), upload(name, content)],
        )

    assert not Evidence.objects.exists()
    assert media_files(settings) == []
    task.refresh_from_db()
    assert task.version == version
    assert not task.events.filter(kind="evidence").exists()


def test_service_refuses_oversize(settings, unit_user, task):
    settings.EVIDENCE_MAX_BYTES = 50
    with pytest.raises(InvalidFile, match="超过 50 字节 的上限"):
        services.task_evidence_add(
            actor=unit_user, task=task, kind=EvidenceKind.DOCUMENT, files=[upload("报告.pdf", PDF)]
        )
    assert media_files(settings) == []


def test_service_accepts_real_office_files_with_their_hash(unit_user, task):
    import hashlib

    files = [upload("整改完成情况报告.docx", docx()), upload("销号台账.xlsx", xlsx())]
    saved = services.task_evidence_add(
        actor=unit_user, task=task, kind=EvidenceKind.ACCEPTANCE, files=files, description="验收材料"
    )
    for evidence, _original in zip(saved, [docx, xlsx], strict=True):
        data = evidence.file.open("rb").read()
        evidence.file.close()
        assert evidence.sha256 == hashlib.sha256(data).hexdigest()
        assert evidence.size == len(data)
    assert [e.content_type for e in saved] == [ALLOWED_TYPES[".docx"], ALLOWED_TYPES[".xlsx"]]


def test_service_validates_kind_and_description(unit_user, task):
    with pytest.raises(ValidationError) as caught:
        services.task_evidence_add(actor=unit_user, task=task, kind="<script>", files=[upload("a.pdf", PDF)])
    assert "kind" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.task_evidence_add(
            actor=unit_user, task=task, kind=EvidenceKind.OTHER, description="长" * 301, files=[upload("a.pdf", PDF)]
        )
    assert "description" in caught.value.message_dict


def test_other_units_cannot_upload(settings, other_unit_user, task):
    with pytest.raises(NotAllowed):
        services.task_evidence_add(
            actor=other_unit_user, task=task, kind=EvidenceKind.DOCUMENT, files=[upload("报告.pdf", PDF)]
        )
    assert media_files(settings) == []
