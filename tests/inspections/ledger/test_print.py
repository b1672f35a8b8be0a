"""The printed ledger (issue 18 item 11): A3 landscape at a fixed scale with text at 9 pt or more, row heights
that fit the wrapped text, a per-round file name, the summary by round date; LibreOffice prints it to PDF."""

import os
import shutil
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from inspections import services
from inspections.choices import RoundKind
from inspections.ledger.columns import COLUMNS
from inspections.ledger.export import (
    FIRST_DATA_ROW,
    LINE_PT,
    MIN_PRINTED_PT,
    export_filename,
    print_fits,
    text_lines,
    write_ledger,
)
from inspections.selectors import task_filterset

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
COL = {c.key: i + 1 for i, c in enumerate(COLUMNS)}
LONG_SUMMARY = "城区黑臭水体整治不到位，" * 12  # about 140 CJK characters: many lines in a 26-unit column


def export(user, **kwargs):
    buffer = BytesIO()
    write_ledger(task_filterset(user=user).qs, buffer, **kwargs)
    buffer.seek(0)
    return load_workbook(buffer)


def round_with_task(people, units, *, name, start, summary="工业园区 VOCs 治理不力", measures="控源截污"):
    inspection_round = services.round_create(
        actor=people["bureau"], kind=RoundKind.PROVINCIAL, batch=1, name=name, inspection_start=start
    )
    services.finding_create(
        actor=people["bureau"],
        inspection_round=inspection_round,
        number=1,
        summary=summary,
        tasks=[
            {"lead_unit": units["nanshan"], "deadline_text": "2027年底前", "measures": measures},
            {"lead_unit": units["hekou"], "deadline_text": "长期坚持"},
        ],
    )
    return inspection_round


def test_text_lines_counts_cjk_as_two_units():
    assert text_lines("", 10) == 1
    assert text_lines("控源截污", 9) == 1  # 8 units in 8 usable
    assert text_lines("控源截污清淤", 9) == 2  # 12 units
    assert text_lines("VOCs", 5) == 1
    assert text_lines("第一行\n第二行", 20) == 2  # line breaks count
    assert text_lines(12.5, 4) == 1


@pytest.mark.django_db
def test_ledger_prints_on_a3_landscape_with_text_at_9_pt_or_more(people, ledger_round):
    wb = export(people["bureau"])
    assert print_fits()  # the columns fit across the page at the print scale
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == "8"  # A3
        assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
        scale = (ws.page_setup.scale or 100) / 100
        sizes = {cell.font.sz for row in ws.iter_rows() for cell in row if cell.value is not None}
        assert sizes, ws.title
        assert min(sizes) * scale >= MIN_PRINTED_PT, (ws.title, sizes, scale)


@pytest.mark.django_db
def test_row_heights_fit_the_wrapped_text(people, units, ledger_round):
    round_with_task(people, units, name="省级督察", start=date(2025, 5, 1), summary=LONG_SUMMARY, measures="清淤" * 40)
    ws = export(people["bureau"])["整改台账"]
    heights = {r: ws.row_dimensions[r].height for r in range(FIRST_DATA_ROW, ws.max_row + 1)}
    assert all(heights.values()), heights
    for r, height in heights.items():
        for column in COLUMNS:
            value = ws.cell(row=r, column=COL[column.key]).value
            if not column.finding_level:
                assert text_lines(value, column.width) * LINE_PT <= height, (r, column.key, value, height)
    # The long summary is merged over its finding's two rows: together they hold all its lines.
    summary_col = COL["summary"]
    long_row = next(r for r in heights if ws.cell(row=r, column=summary_col).value == LONG_SUMMARY)
    needed = text_lines(LONG_SUMMARY, COLUMNS[summary_col - 1].width) * LINE_PT
    assert needed > 2 * LINE_PT
    assert heights[long_row] + heights[long_row + 1] >= needed


@pytest.mark.django_db
def test_summary_sheet_is_ordered_by_round_date_not_by_name(people, units, ledger_round):
    # Unicode order would put 第… before 省… before 市…; the round dates say otherwise.
    round_with_task(people, units, name="市级专项督察", start=date(2019, 3, 1))
    round_with_task(people, units, name="省级生态环境保护督察", start=date(2025, 5, 1))
    ws = export(people["bureau"])["按轮次汇总"]
    names = [ws.cell(row=r, column=1).value for r in range(3, ws.max_row + 1)]
    # ledger_round has no 进驻日期: its 反馈日期 (2024-01-10) dates it.
    assert names == ["市级专项督察", "第二轮中央生态环境保护督察", "省级生态环境保护督察", "合计"]


def test_export_filename_names_the_round_and_the_day():
    assert (
        export_filename("第二轮中央生态环境保护督察", date(2026, 12, 3))
        == "整改台账-第二轮中央生态环境保护督察-2026-12-03.xlsx"
    )
    assert export_filename(None, date(2026, 12, 3)) == "整改台账-2026-12-03.xlsx"
    assert export_filename("2024/省级 督察", date(2026, 12, 3)) == "整改台账-2024_省级_督察-2026-12-03.xlsx"


@pytest.mark.django_db
def test_export_download_is_named_after_its_round(client, people, ledger_round):
    client.force_login(people["bureau"])
    response = client.get(reverse("inspections:ledger_export"), {"round": ledger_round.pk})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "整改台账-第二轮中央生态环境保护督察-" in unquote(disposition)


@pytest.mark.skipif(SOFFICE is None or shutil.which("pdftoppm") is None, reason="LibreOffice or poppler missing")
@pytest.mark.django_db
def test_libreoffice_prints_the_ledger_on_a3_landscape(tmp_path, people, units, ledger_round):
    round_with_task(people, units, name="省级督察", start=date(2025, 5, 1), summary=LONG_SUMMARY)
    source = tmp_path / "ledger.xlsx"
    write_ledger(task_filterset(user=people["bureau"]).qs, source, title="生态环境保护督察反馈问题整改台账")
    profile = tmp_path / "lo-profile"
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir"]
        + [str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "ledger.pdf"
    assert pdf.is_file(), result.stdout + result.stderr
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, height = (float(x) for x in size.split(":")[1].split("pts")[0].split(" x "))
    assert (round(width), round(height)) == (1191, 842)  # A3 landscape in points
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    first_page = text.split("\f")[0]
    # Every column's header is on the first page: one row is printed across one page, not split over two.
    for column in ("序号", "反馈问题", "整改措施", "整改进展情况", "销号情况", "备注"):
        assert column in first_page.replace(" ", "").replace("\n", ""), column
    shots = Path(os.environ.get("SCREENSHOT_DIR", "test-artifacts/screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(shots / "ledger-a3-page")], check=True
    )
    assert list(shots.glob("ledger-a3-page*.png"))
