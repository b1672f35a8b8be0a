"""The 公开一览表 workbook: its columns and rows (openpyxl), text stays text, no complainant data, and a real
spreadsheet program (LibreOffice headless) opens it; the download page and the command."""

import csv
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from inspections.choices import CaseVerdict
from inspections.complaints import services
from inspections.complaints.columns import DISCLOSURE_COLUMNS
from inspections.models import ComplaintCase

pytestmark = pytest.mark.django_db
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
HEADERS = [
    "序号",
    "受理编号",
    "交办问题基本情况",
    "行政区域",
    "污染类型",
    "调查核实情况",
    "是否属实",
    "处理和整改情况",
    "责任人被处理情况",
]


def _stay(complaints):
    w = complaints.world
    first = complaints.assigned(
        summary='=HYPERLINK("http://x")化工厂废气', complainant="张三", complainant_contact="13800000000"
    )
    services.case_report_investigation(
        actor=w.water_user,
        case=first,
        investigation="+经核查属实",
        verdict=CaseVerdict.TRUE,
        handling="责令停产整改，立案处罚1起，罚款3.5万元。",
        accountability="约谈企业负责人",
        penalty_cases=1,
        fine_amount="3.5",
    )
    second_batch, _ = services.batch_get_or_create(actor=w.bureau, inspection_round=complaints.round, number=2)
    repeat = complaints.case(batch=second_batch, summary="化工厂废气再次反映")
    ComplaintCase.objects.filter(pk=repeat.pk).update(repeat_of=first)
    return first, repeat


def test_columns_rows_and_text_as_text(complaints, tmp_path):
    _stay(complaints)
    path = tmp_path / "d.xlsx"
    written = services.disclosure_write(
        user=complaints.world.bureau, round_id=complaints.round.pk, batch_number=None, target=path
    )
    assert written == 2
    ws = load_workbook(path).active
    assert "公开一览表" in ws["A1"].value and "A1:I1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[3]] == HEADERS == [h for h, _w in DISCLOSURE_COLUMNS]
    row = [c.value for c in ws[4]]
    assert row[:2] == [1, "D0001"] and row[6] == "属实" and "罚款3.5万元" in row[7] and row[8] == "约谈企业负责人"
    assert ws["C4"].data_type == "s" and ws["C4"].value.startswith("=HYPERLINK")  # stored as text, not a formula
    assert ws["F4"].data_type == "s" and ws["F4"].value == "+经核查属实"
    repeat_row = [c.value for c in ws[5]]
    assert repeat_row[1] == "D0002" and repeat_row[5].startswith("（重复件，与第1批 D0001") and repeat_row[6] == "属实"
    everything = " ".join(str(c.value) for r in ws.iter_rows() for c in r)
    assert "张三" not in everything and "13800000000" not in everything


def test_one_batch_only(complaints, tmp_path):
    _stay(complaints)
    path = tmp_path / "d.xlsx"
    assert (
        services.disclosure_write(
            user=complaints.world.bureau, round_id=complaints.round.pk, batch_number=2, target=path
        )
        == 1
    )
    assert "第2批" in load_workbook(path).active["A1"].value


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_disclosure_list(complaints, tmp_path):
    _stay(complaints)
    source = tmp_path / "disclosure.xlsx"
    services.disclosure_write(
        user=complaints.world.bureau, round_id=complaints.round.pk, batch_number=None, target=source
    )
    out = tmp_path / "csv"
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'lo'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader((out / "disclosure.csv").open(encoding="utf-8-sig")))
    assert rows[2] == HEADERS
    assert rows[3][1] == "D0001" and rows[3][2].startswith("=HYPERLINK") and rows[3][5] == "+经核查属实"


def test_command_writes_the_list(complaints, tmp_path):
    _stay(complaints)
    out = tmp_path / "c.xlsx"
    call_command(
        "complaint_disclosure",
        "--round",
        str(complaints.round.pk),
        "--batch",
        "1",
        "--out",
        str(out),
        stdout=StringIO(),
    )
    assert load_workbook(out).active.max_row == 4


def test_download_page_for_bureau_and_leader_only(client, complaints):
    _stay(complaints)
    w = complaints.world
    url = reverse("inspections:complaint_disclosure") + f"?round={complaints.round.pk}&batch=1"
    for user in (w.bureau, w.leader):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    client.force_login(w.water_user)
    assert client.get(url).status_code == 403
