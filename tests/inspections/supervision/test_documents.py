"""The 督办通知 .docx (docxtpl, shipped default template) opens in LibreOffice: converted headless to PDF,
its text holds the 文号, the unit and each task code. The PDF's first page is kept as a PNG to look at."""

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from inspections.choices import SupervisionKind
from inspections.supervision import services

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "supervision"


def to_pdf_text(docx: Path, workdir: Path) -> tuple[str, Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftotext"):
        pytest.fail("LibreOffice (soffice) and pdftotext (poppler-utils) are needed: scripts/test.sh installs them")
    profile = workdir / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workdir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = workdir / (docx.stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text, pdf


def test_notice_docx_opens_in_libreoffice_with_number_unit_and_tasks(
    ledger, eager_celery, tmp_path, client, django_capture_on_commit_callbacks
):
    tasks = [ledger.task(), ledger.task(), ledger.task(lead_unit=ledger.plant)]
    with django_capture_on_commit_callbacks(execute=True):
        action = services.action_issue(
            actor=ledger.bureau,
            kind=SupervisionKind.NOTICE,
            target_unit=ledger.water,
            tasks=tasks,
            body="你单位牵头的整改任务进度滞后，请加快推进。",
            issued_on=date(2026, 5, 6),
            reply_due=date(2026, 5, 16),
        )
    action.refresh_from_db()
    assert action.document  # generated after commit by the Celery task, kept with the action
    docx = tmp_path / "notice.docx"
    docx.write_bytes(Path(action.document.path).read_bytes())
    text, pdf = to_pdf_text(docx, tmp_path)
    flat = "".join(text.split())
    assert action.doc_number in flat
    assert ledger.water.name in flat
    for task in tasks:
        assert task.code in flat
    assert "2026年5月16日" in flat
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "notice.pdf")
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(ARTIFACTS / "notice")], check=True
        )

    # The page offers it to the unit addressed, and the print page shows the same document.
    client.force_login(ledger.water_user)
    response = client.get(reverse("inspections:supervision_document", args=[action.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    page = client.get(reverse("inspections:supervision_print", args=[action.pk]))
    assert page.status_code == 200 and action.doc_number in page.content.decode()
    client.force_login(ledger.town_user)
    assert client.get(reverse("inspections:supervision_document", args=[action.pk])).status_code == 404


def test_interview_notice_has_time_and_place(ledger, eager_celery, tmp_path, django_capture_on_commit_callbacks):
    from datetime import datetime

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        action = services.action_issue(
            actor=ledger.bureau,
            kind=SupervisionKind.INTERVIEW,
            target_unit=ledger.town,
            tasks=[ledger.task(lead_unit=ledger.town)],
            target_person="王镇长",
            target_position="镇长",
            interview_at=timezone.make_aware(datetime(2026, 5, 8, 9, 30)),
            interview_place="市政府三楼会议室",
        )
    action.refresh_from_db()
    docx = tmp_path / "interview.docx"
    docx.write_bytes(Path(action.document.path).read_bytes())
    text, _pdf = to_pdf_text(docx, tmp_path)
    flat = "".join(text.split())
    assert action.doc_number in flat and "市政府三楼会议室" in flat and "王镇长" in flat


def issue_with_document(ledger, kind, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        action = services.action_issue(
            actor=ledger.bureau,
            kind=kind,
            target_unit=ledger.water,
            tasks=[ledger.task()],
            body="你单位牵头的整改任务进度滞后。",
            issued_on=date(2026, 5, 6),
            reply_due=date(2026, 5, 16),
            **extra,
        )
    action.refresh_from_db()
    return action


def pdf_text_of(action, tmp_path, name):
    docx = tmp_path / f"{name}.docx"
    docx.write_bytes(Path(action.document.path).read_bytes())
    (tmp_path / name).mkdir()
    text, _pdf = to_pdf_text(docx, tmp_path / name)
    return "".join(text.split())


def test_each_kind_has_its_own_default_template(ledger, eager_celery, tmp_path, django_capture_on_commit_callbacks):
    from datetime import datetime

    from django.conf import settings
    from django.utils import timezone

    notice = issue_with_document(ledger, SupervisionKind.NOTICE, django_capture_on_commit_callbacks)
    letter = issue_with_document(ledger, SupervisionKind.LETTER, django_capture_on_commit_callbacks)
    interview = issue_with_document(
        ledger,
        SupervisionKind.INTERVIEW,
        django_capture_on_commit_callbacks,
        target_person="李局长",
        target_position="局长",
        interview_at=timezone.make_aware(datetime(2026, 5, 12, 15, 0)),
        interview_place="市生态环境局五楼会议室",
        attendees="分管副局长\n排水科科长",
    )
    texts = {
        "notice": pdf_text_of(notice, tmp_path, "notice"),
        "letter": pdf_text_of(letter, tmp_path, "letter"),
        "interview": pdf_text_of(interview, tmp_path, "interview"),
    }
    issuer = "".join(settings.SUPERVISION_ISSUER.split())
    for action, text in zip((notice, letter, interview), texts.values(), strict=True):
        # 发文机关, 文号, 标题, 主送单位, 正文 with the task list, 落款 and 日期
        assert issuer in text and action.doc_number in text and "".join(action.title.split()) in text
        assert f"{ledger.water.name}：" in text and "进度滞后" in text and action.tasks.get().code in text
        assert "2026年5月6日" in text
    assert "特此通知" in texts["notice"] and "督办函" not in texts["notice"]
    assert "督办函" in texts["letter"] and "特此函告" in texts["letter"] and "2026年5月16日前" in texts["letter"]
    interview_text = texts["interview"]
    assert "约谈时间：2026年5月12日15:00" in interview_text and "市生态环境局五楼会议室" in interview_text
    assert "李局长（局长）" in interview_text and "参加人员：分管副局长、排水科科长" in interview_text
    assert "约谈时间" not in texts["notice"] and "约谈时间" not in texts["letter"]


def test_a_custom_template_uploaded_in_the_admin_is_used(
    ledger, eager_celery, tmp_path, client, django_capture_on_commit_callbacks
):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from docx import Document

    from inspections.models import SupervisionTemplate

    custom = Document()
    custom.add_paragraph("自定义模板标记ZX-2026")
    custom.add_paragraph("{{ doc_number }} 致 {{ unit }}")
    custom.add_paragraph("{% for t in tasks %}{{ t.code }} {% endfor %}")
    content = BytesIO()
    custom.save(content)

    ledger.admin.is_staff = True
    ledger.admin.save(update_fields=["is_staff"])
    client.force_login(ledger.admin)
    add = reverse("admin:inspections_supervisiontemplate_add")
    refused = client.post(add, {"kind": SupervisionKind.LETTER, "file": SimpleUploadedFile("x.txt", b"not a docx")})
    assert refused.status_code == 200 and not SupervisionTemplate.objects.exists()
    response = client.post(
        add, {"kind": SupervisionKind.LETTER, "file": SimpleUploadedFile("专函模板.docx", content.getvalue())}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SupervisionTemplate.objects.get().kind == SupervisionKind.LETTER

    letter = issue_with_document(ledger, SupervisionKind.LETTER, django_capture_on_commit_callbacks)
    text = pdf_text_of(letter, tmp_path, "custom")
    assert "自定义模板标记ZX-2026" in text and f"{letter.doc_number}致{ledger.water.name}" in text
    assert letter.tasks.get().code in text and "督办函" not in text
    notice = issue_with_document(ledger, SupervisionKind.NOTICE, django_capture_on_commit_callbacks)
    assert "自定义模板标记" not in pdf_text_of(notice, tmp_path, "still-default")  # only the uploaded kind
