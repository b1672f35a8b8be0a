"""An exported ledger imported into an empty database gives back the same ledger, cell by cell."""

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.choices import Role
from accounts.models import Unit, User
from inspections.ledger.export import write_ledger
from inspections.ledger.services import ledger_import
from inspections.models import (
    Evidence,
    Finding,
    InspectionRound,
    Notification,
    ProgressUpdate,
    RectificationTask,
    TaskEvent,
)
from inspections.selectors import task_filterset

from .conftest import workbook_file

HEADER = [
    "序号",
    "督察轮次",
    "问题编号",
    "反馈问题",
    "牵头单位",
    "配合单位",
    "责任领导",
    "整改时限",
    "整改进展情况",
    "完成情况",
    "投入资金（万元）",
    "销号情况",
    "备注",
]
ROUND = "2023年省级生态环境保护督察"


def rich_file(tmp_path):
    """What a bureau's own ledger holds: per-task leaders with 、, titles, blanks, remarks, dated sign-off."""
    return workbook_file(
        tmp_path / "rich.xlsx",
        [
            ["XX市省级生态环境保护督察反馈问题整改台账"],
            ["填报单位：XX市生态环境局", None, None, None, None, None, None, None, "填报日期：2023年7月10日"],
            HEADER,
            [
                1,
                ROUND,
                1,
                "饮用水源地保护区内违建",
                "南山镇",
                "河口镇",
                "市委常委、常务副市长",
                "2023年底前",
                "",
                "整改中",
                None,
                "",
                "重点督办",
            ],
            [
                2,
                None,
                None,
                None,
                "河口镇",
                "",
                "张副市长",
                "2023年6月30日",
                "已拆除",
                "已销号",
                35.5,
                "已销号（2023年5月20日）",
                "",
            ],
            [
                3,
                ROUND,
                2,
                "工业园区污水直排",
                "市住房和城乡建设局",
                "",
                "",
                "长期坚持",
                "",
                "长期坚持",
                0,
                "",
                "每季度复查",
            ],
        ],
        merges=["B4:B5", "C4:C5", "D4:D5"],
    )


def sheet_cells(path) -> dict:
    """Every sheet's cell values (row, column) -> value and its merged ranges."""
    workbook = load_workbook(path)
    cells = {}
    for ws in workbook.worksheets:
        values = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value not in (None, "")}
        cells[ws.title] = (values, sorted(str(r) for r in ws.merged_cells.ranges))
    return cells


def empty_database():
    for model in (TaskEvent, ProgressUpdate, Evidence, Notification):
        model.objects.all().delete()
    RectificationTask.cooperating_units.through.objects.all().delete()
    RectificationTask.objects.all().delete()
    Finding.objects.all().delete()
    InspectionRound.objects.all().delete()
    User.objects.all().delete()
    for unit in Unit.objects.order_by("-path"):  # leaves first (parents are protected)
        unit.delete()


@pytest.mark.django_db
def test_export_then_import_into_empty_database_gives_the_same_cells(tmp_path, people, ledger_round):
    plan = ledger_import(actor=people["bureau"], path=rich_file(tmp_path))
    assert plan.written, plan.errors
    today = date.today()
    first = tmp_path / "first.xlsx"
    assert write_ledger(task_filterset(user=people["admin"]).qs, first, today=today) == 9

    empty_database()
    assert RectificationTask.objects.count() == Unit.objects.count() == 0
    admin = User.objects.create_user("restorer", password="x", role=Role.ADMIN, full_name="恢复")
    plan = ledger_import(path=first, actor=admin)
    assert plan.ok and plan.written, plan.errors
    assert plan.as_of == today  # the export's 填报日期
    assert plan.leaders_new == []  # titles and names stay text: no accounts made up
    second = tmp_path / "second.xlsx"
    assert write_ledger(task_filterset(user=admin).qs, second, today=today) == 9

    before, after = sheet_cells(first), sheet_cells(second)
    assert before.keys() == after.keys() == {"整改台账", "按轮次汇总"}
    # The summary is ordered by the rounds' dates (进驻/反馈), which the ledger does not carry: compare its rows as a set.
    for sheet in (before, after):
        values, merged = sheet["按轮次汇总"]
        rows = sorted(tuple(values.get((r, c)) for c in range(1, 8)) for r in {r for r, _c in values} if r > 2)
        sheet["按轮次汇总"] = ({(i, 1): row for i, row in enumerate(rows)}, merged)
    for title in before:
        (cells_before, merged_before), (cells_after, merged_after) = before[title], after[title]
        assert merged_after == merged_before, title
        for position in sorted(cells_before.keys() | cells_after.keys()):
            assert cells_after.get(position) == cells_before.get(position), (title, position)

    # What the cells carry, read back from the database.
    task = RectificationTask.objects.get(round__name=ROUND, finding__number=1, number=1)
    assert (task.leader_text, task.investment, task.remark) == ("市委常委、常务副市长", None, "重点督办")
    closed = RectificationTask.objects.get(round__name=ROUND, finding__number=1, number=2)
    assert (closed.status, closed.signed_off_at.date(), closed.investment) == (
        "closed",
        date(2023, 5, 20),
        Decimal("35.50"),
    )
    values = before["整改台账"][0]
    header = {values[(3, col)]: col for col in range(1, 30) if (3, col) in values}
    row = next(
        r
        for r in range(4, 20)
        if values.get((r, header["任务编号"])) == "1-1" and values.get((r, header["督察轮次"])) == ROUND
    )
    assert values.get((row, header["投入资金（万元）"])) is None  # blank stays blank, not 0.00
    assert values[(row, header["备注"])] == "重点督办"

    # And the ledger re-imported over itself changes nothing.
    again = ledger_import(path=first, actor=admin)
    assert (again.tasks_new, again.tasks_updated, again.tasks_unchanged, len(again.conflicts)) == (0, 0, 9, 0)
