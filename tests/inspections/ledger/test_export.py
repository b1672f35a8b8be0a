"""The exported ledger workbook: layout superiors expect, real dates and numbers, and only visible tasks."""

from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from inspections.ledger.columns import COLUMNS
from inspections.ledger.export import FIRST_DATA_ROW, HEADER_ROW, write_ledger
from inspections.selectors import task_filterset

HEADERS = [c.header for c in COLUMNS]
COL = {c.key: i + 1 for i, c in enumerate(COLUMNS)}


def export(user, filters=None, **kwargs):
    buffer = BytesIO()
    tasks = task_filterset(user=user, filters=filters).qs
    count = write_ledger(tasks, buffer, **kwargs)
    buffer.seek(0)
    return count, load_workbook(buffer)


def cell(ws, row, key):
    return ws.cell(row=row, column=COL[key])


@pytest.mark.django_db
def test_ledger_layout_title_info_header_and_print_setup(people, ledger_round):
    count, wb = export(people["bureau"], title="第二轮中央生态环境保护督察反馈问题整改台账", today=date(2026, 3, 5))
    ws = wb["整改台账"]
    assert count == 6
    assert ws["A1"].value == "第二轮中央生态环境保护督察反馈问题整改台账"
    assert ws["A1"].font.bold
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"A1:{get_column_letter(len(COLUMNS))}1" in merged
    assert ws["A2"].value.startswith("填报单位：")
    info = [c.value for c in ws[2]]
    assert "填报日期：" in info
    assert datetime(2026, 3, 5) in info  # a real date cell, not text
    assert [c.value for c in ws[HEADER_ROW]] == HEADERS
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == "8"  # A3 (tests/inspections/ledger/test_print.py)
    assert ws.column_dimensions["D"].width == COLUMNS[3].width


@pytest.mark.django_db
def test_finding_cells_are_merged_down_its_tasks(people, ledger_round):
    _count, wb = export(people["bureau"])
    ws = wb["整改台账"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    for key in ("round", "finding_number", "summary", "category", "region"):
        letter = get_column_letter(COL[key])
        assert f"{letter}4:{letter}6" in merged  # finding 1: three tasks
        assert f"{letter}7:{letter}9" in merged  # finding 2: three tasks
    seq_letter = get_column_letter(COL["seq"])
    assert not any(r.startswith(f"{seq_letter}4:") for r in merged)  # one 序号 per task
    assert cell(ws, 4, "summary").value == "城区黑臭水体整治不到位"
    # 责任领导 is per task (a finding's tasks may name different leaders): written on every row, not merged.
    leader = get_column_letter(COL["leader"])
    assert not any(r.startswith(f"{leader}4:") for r in merged)
    assert [cell(ws, r, "leader").value for r in range(4, 7)] == ["张副市长"] * 3
    assert [cell(ws, r, "task_code").value for r in range(4, 10)] == ["1-1", "1-2", "1-3", "2-1", "2-2", "2-3"]
    assert cell(ws, 4, "summary").alignment.wrap_text
    assert cell(ws, 5, "measures").alignment.wrap_text


@pytest.mark.django_db
def test_rows_hold_real_dates_numbers_statuses_and_units(people, ledger_round):
    _count, wb = export(people["bureau"])
    ws = wb["整改台账"]
    rows = {cell(ws, r, "task_code").value: r for r in range(4, 10)}
    first = rows["1-1"]
    assert cell(ws, first, "deadline").value == "2024年6月底前"
    assert cell(ws, first, "deadline_date").value == datetime(2024, 6, 30)
    assert cell(ws, first, "deadline_date").is_date
    assert cell(ws, first, "investment").value == 12.5
    assert cell(ws, first, "investment").data_type == "n"
    assert cell(ws, first, "lead_unit").value == "南山镇"
    assert cell(ws, first, "cooperating").value == "市住房和城乡建设局、河口镇"
    assert cell(ws, first, "person").value == "王建国"
    assert cell(ws, first, "progress").value == "1-1 已完成清淤 40%"
    statuses = {code: cell(ws, r, "status").value for code, r in rows.items()}
    assert statuses == {
        "1-1": "整改中",
        "1-2": "已申请销号",
        "1-3": "已验收",
        "2-1": "已销号",
        "2-2": "长期坚持",
        "2-3": "尚未启动",
    }
    assert cell(ws, rows["2-1"], "signoff").value.startswith("已销号（")
    assert cell(ws, rows["2-3"], "signoff").value is None
    assert cell(ws, rows["1-2"], "deadline_date").value == datetime(2025, 12, 31)
    assert cell(ws, rows["1-3"], "deadline_date").value == datetime(2024, 3, 2)  # 立行立改: 30 days from assignment
    # Text that looks like a formula is written as text, never evaluated by Excel.
    assert cell(ws, rows["1-3"], "measures").value == "=SUM(A1:A2) 不是公式"
    assert cell(ws, rows["1-3"], "measures").data_type == "s"


@pytest.mark.django_db
def test_summary_sheet_by_round(people, ledger_round):
    _count, wb = export(people["bureau"], today=date(2026, 1, 1))
    ws = wb["按轮次汇总"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    by_name = {row[0]: row for row in rows}
    # total, complete (verified + closed + long_term), closed, open, overdue (1-1, 1-2, 2-3 are past due)
    assert by_name["第二轮中央生态环境保护督察"][1:6] == [6, 3, 1, 3, 3]
    assert by_name["第二轮中央生态环境保护督察"][6] == pytest.approx(0.5)
    assert by_name["合计"][1] == 6
    assert ws.cell(row=3, column=7).number_format == "0.0%"


@pytest.mark.django_db
def test_export_follows_the_filters(people, ledger_round):
    count, wb = export(people["bureau"], filters={"status": ["closed", "long_term"]})
    ws = wb["整改台账"]
    assert count == 2
    assert [cell(ws, r, "task_code").value for r in (4, 5)] == ["2-1", "2-2"]
    assert ws.max_row == 5


@pytest.mark.django_db
def test_unit_user_exports_only_its_own_tasks(people, ledger_round):
    # 南山镇 leads 1-1 and 2-1; it does not see 河口镇's or the housing bureau's own tasks.
    count, wb = export(people["nanshan"])
    ws = wb["整改台账"]
    assert count == 2
    assert sorted(cell(ws, r, "task_code").value for r in (4, 5)) == ["1-1", "2-1"]
    count, wb = export(people["hekou"])
    codes = sorted(cell(wb["整改台账"], r, "task_code").value for r in range(4, 4 + count))
    assert codes == ["1-1", "1-3", "2-3"]  # lead of 1-3 and 2-3, cooperating on 1-1


@pytest.mark.django_db
def test_progress_callback_is_called(people, ledger_round, monkeypatch):
    from inspections.ledger import export as export_module

    monkeypatch.setattr(export_module, "PROGRESS_EVERY", 2)
    seen = []
    export(people["bureau"], on_progress=seen.append)
    assert seen == [2, 4, 6]
