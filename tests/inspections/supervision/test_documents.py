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
