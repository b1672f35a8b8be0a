"""The closure pages open for the roles that act on them (and the 销号审批表's HTML, PDF and .docx), and give
403/404 to the others; a .docx 销号审批表 opens in LibreOffice with each step's signer."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from inspections.choices import TaskStatus

from .conftest import after_notice

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "closure"


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_acceptance_page_opens_for_the_bureau_and_saves_a_record(client, closure):
    task = closure.bring_to(closure.plain_task(), TaskStatus.SUBMITTED)
    url = reverse("inspections:closure_acceptance", args=[task.pk])
    page = get(client, closure.bureau, url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'placeholder="yyyy-mm-dd"' in html and 'value="20' in html  # the one date widget, today filled in
    assert get(client, closure.water_user, url).status_code in (403, 404)
    assert get(client, closure.town_user, url).status_code == 404
    client.force_login(closure.bureau)
    data = {
        "version": task.version,
        "checked_on": "2024-06-01",
        "conclusion": "pass",
        "acceptor_0_name": "王督察",
        "acceptor_0_unit": "市生态环境局",
        "acceptor_1_name": "陈工",
        "acceptor_1_unit": "市水务局",
        "measures_done": "on",
        "violations_punished": "on",
        "lessons_applied": "on",
        "results_public": "on",
    }
    one = client.post(url, {**data, "acceptor_1_name": "", "acceptor_1_unit": ""})
    assert one.status_code == 400 and "两" in one.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.VERIFIED


def test_notice_and_confirm_pages_of_the_five_step_chain(client, closure):
    task = closure.walk_five(closure.task(), TaskStatus.VERIFIED)
    notice = reverse("inspections:closure_notice", args=[task.pk])
    assert get(client, closure.bureau, notice).status_code == 200
    assert get(client, closure.leader, notice).status_code == 403
    task = closure.walk_five(closure.task(), TaskStatus.IN_NOTICE)
    confirm = reverse("inspections:closure_confirm", args=[task.pk, "close"])
    refused = get(client, closure.leader, confirm)
    assert "公示期至" in refused.content.decode()  # the page says why, before the end of the notice
    with after_notice(task):
        page = get(client, closure.leader, confirm)
        assert page.status_code == 200 and 'data-testid="confirm-action"' in page.content.decode()
        assert get(client, closure.other_leader, confirm).status_code in (200, 403)
        assert "只有该问题的责任领导" in get(client, closure.other_leader, confirm).content.decode()


def test_panel_and_lookback_pages(client, closure):
    task = closure.walk_five(closure.task(), TaskStatus.CLOSED)
    panel = reverse("inspections:closure_panel", args=[task.pk])
    assert get(client, closure.water_user, panel).status_code == 200
    assert get(client, closure.town_user, panel).status_code == 404
    assert get(client, closure.bureau, reverse("inspections:closure_lookbacks")).status_code == 200
    assert get(client, closure.water_user, reverse("inspections:closure_lookbacks")).status_code == 403


def to_pdf_text(source: Path, workdir: Path) -> tuple[str, Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftotext"):
        pytest.fail("LibreOffice (soffice) and pdftotext (poppler-utils) are needed: scripts/test.sh installs them")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{workdir / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = workdir / (source.stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text, pdf


def test_filing_sheet_html_pdf_and_docx(client, closure, tmp_path):
    task = closure.walk_five(closure.task(), TaskStatus.CLOSED)
    url = reverse("inspections:closure_filing_sheet", args=[task.pk])
    html = get(client, closure.leader, url)
    assert html.status_code == 200 and task.code in html.content.decode()
    # Unit users read no filing sheet at all: the role is refused before the task is looked up.
    assert get(client, closure.town_user, url).status_code == 403

    docx = get(client, closure.bureau, url + "?format=docx")
    assert docx.status_code == 200
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    source = tmp_path / "sheet.docx"
    source.write_bytes(b"".join(docx.streaming_content))
    text, pdf = to_pdf_text(source, tmp_path)
    compact = "".join(text.split())
    assert "整改任务销号审批表" in compact and task.code in compact
    for label in ("验收通过", "开始公示", "审签销号", "复核通过", "销号报备"):
        assert label in compact, label
    assert closure.leader.display_name in compact

    pdf_response = get(client, closure.bureau, url + "?format=pdf")
    assert pdf_response.status_code == 200
    body = b"".join(pdf_response.streaming_content)
    assert body.startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "filing-sheet.pdf").write_bytes(body)
    shutil.copy(pdf, ARTIFACTS / "filing-sheet-docx.pdf")
