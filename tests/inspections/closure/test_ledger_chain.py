"""The ledger import walks a task forward by its round's closure chain: 公示中 / 已销号 through the five steps
(the kept chain and the notice dates written), and a status the round's chain does not have is an error."""

import pytest
from openpyxl import Workbook

from inspections.choices import EventKind, TaskStatus
from inspections.ledger.services import ledger_import, ledger_import_plan
from inspections.models import RectificationTask

pytestmark = pytest.mark.django_db

HEADER = ["督察轮次", "问题编号", "反馈问题", "牵头单位", "整改时限", "完成情况"]


def workbook(path, *rows):
    wb = Workbook()
    ws = wb.active
    for row in (HEADER, *rows):
        ws.append(list(row))
    wb.save(path)
    return path


def test_import_walks_the_five_step_chain(closure, tmp_path):
    name = closure.round.name
    ledger_import(
        actor=closure.bureau,
        path=workbook(tmp_path / "a.xlsx", [name, 1, "污水直排", "市水务局", "2030年底前", "公示中"]),
    )
    task = RectificationTask.objects.get(finding__round=closure.round)
    assert task.status == TaskStatus.IN_NOTICE
    assert [s["step"] for s in task.closure_chain] == ["accept", "notice", "sign", "recheck", "file"]
    assert task.notice_starts_on and task.notice_ends_on

    ledger_import(
        actor=closure.bureau,
        path=workbook(tmp_path / "b.xlsx", [name, 1, "污水直排", "市水务局", "2030年底前", "已销号"]),
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED and task.percent == 100
    moves = [e.action for e in task.events.filter(kind=EventKind.TRANSITION).order_by("at", "id")]
    assert moves == ["submit", "verify", "start_notice", "close", "recheck", "file"]


def test_a_status_the_rounds_chain_lacks_is_an_error(closure, tmp_path):
    path = workbook(tmp_path / "c.xlsx", [closure.plain_round.name, 1, "扬尘", "市水务局", "2030年底前", "已复核"])
    plan = ledger_import_plan(actor=closure.bureau, path=path)
    assert any("没有“已复核”这一步" in e.message for e in plan.errors)
