"""Importing ledger files: messy headers, merged cells, deadline and status texts, refusals, all-or-nothing."""

import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from accounts.choices import Role
from accounts.models import Unit, User
from inspections.choices import DeadlineKind, EventKind, TaskStatus
from inspections.ledger.reader import MAX_ROWS, LedgerRefused, check_upload
from inspections.ledger.services import ledger_import, ledger_import_plan
from inspections.models import Finding, InspectionRound, ProgressUpdate, RectificationTask, TaskEvent

from .conftest import workbook_file


def _actor():
    return User.objects.filter(role__in=[Role.BUREAU, Role.ADMIN]).order_by("pk").first()


def plan_import(path, default_round=None):
    """Plan as the first bureau account (nothing is written)."""
    return ledger_import_plan(actor=_actor(), path=path, default_round=default_round), None


def run_import(path, *, actor, default_round=None, **options):
    return ledger_import(actor=actor, path=path, default_round=default_round, **options)


HEADER = [
    "序号",
    "督察轮次",
    "问题编号",
    "反馈问题",
    "问题类别",
    "牵头单位",
    "配合单位",
    "责任领导",
    "整改时限",
    "整改进展情况",
    "完成情况",
    "投入资金（万元）",
]


def counts():
    return (
        InspectionRound.objects.count(),
        Finding.objects.count(),
        RectificationTask.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        TaskEvent.objects.count(),
        ProgressUpdate.objects.count(),
    )


def row(
    seq,
    finding,
    summary,
    unit,
    deadline,
    status="",
    round_name="第二轮中央生态环境保护督察",
    category="水污染",
    cooperating="",
    leader="张副市长",
    progress="",
    money=None,
):
    return [seq, round_name, finding, summary, category, unit, cooperating, leader, deadline, progress, status, money]


def simple_file(tmp_path, rows, header=HEADER, name="ledger.xlsx", merges=()):
    return workbook_file(tmp_path / name, [header, *rows], merges=merges)


@pytest.mark.django_db
def test_messy_header_below_title_and_blank_rows_with_synonyms_and_merged_finding(tmp_path, people, units):
    path = workbook_file(
        tmp_path / "messy.xlsx",
        [
            ["XX市第三轮省级生态环境保护督察反馈问题整改台账"],
            [],
            ["填报单位：XX市生态环境局", None, None, None, "填报日期：2024年7月1日"],
            [None],
            # line breaks, spaces, full-width brackets and synonyms in the header cells
            [
                "序 号",
                "督察\n轮次",
                "问题\n编号",
                "督察反馈问题",
                "问题类型",
                "责任单位",
                "配合\n单位",
                "包抓领导",
                "整改\n时限",
                "整改进展情况",
                "整改状态",
                "投入资金(万元)",
                "措\u3000施",
            ],
            [
                1,
                "第三轮省级生态环境保护督察",
                1,
                "河道垃圾清理不及时",
                "水污染",
                "南山镇",
                "河口镇",
                "张副市长",
                "2024年6月底前",
                "已清理 3 处",
                "正在整改",
                "１２.５",
                "巡河保洁",
            ],
            [2, None, None, None, None, "市住房和城乡建设局", None, None, "2024年底前", "", "已完成", 3, "清运"],
            [
                3,
                "第三轮省级生态环境保护督察",
                2,
                "工地扬尘",
                "扬尘",
                "新区管委会",
                "",
                "李副县长",
                "立行立改",
                "",
                "已销号",
                None,
                "洒水",
            ],
        ],
        merges=["B6:B7", "C6:C7", "D6:D7", "E6:E7", "H6:H7"],
    )
    before = counts()
    plan, _ = plan_import(path)
    assert plan.ok, plan.errors
    assert counts() == before  # planning writes nothing
    assert plan.rows == 3
    assert plan.rounds_new == ["第三轮省级生态环境保护督察"]
    assert plan.units_new == ["新区管委会"]
    assert plan.leaders_unmatched == ["李副县长"]  # kept as the task's text; no account unless asked
    assert plan.as_of == date(2024, 7, 1)  # 填报日期 in the title rows
    assert (plan.findings_new, plan.tasks_new) == (2, 3)

    plan = run_import(path, actor=people["bureau"])
    assert plan.written
    new_round = InspectionRound.objects.get(name="第三轮省级生态环境保护督察")
    assert (new_round.kind, new_round.batch) == ("provincial", 3)
    first = Finding.objects.get(round=new_round, number=1)
    assert first.summary == "河道垃圾清理不及时"
    assert first.category == "water"
    assert first.responsible_leader == people["leader"]
    tasks = list(first.tasks.order_by("number"))
    assert [t.lead_unit.name for t in tasks] == ["南山镇", "市住房和城乡建设局"]  # merged finding read for row 2
    assert [t.status for t in tasks] == [TaskStatus.IN_PROGRESS, TaskStatus.VERIFIED]
    assert tasks[0].investment == Decimal("12.50")  # full-width digits
    assert tasks[0].measures == "巡河保洁"
    assert [u.name for u in tasks[0].cooperating_units.all()] == ["河口镇"]
    assert tasks[0].progress_updates.get().text == "已清理 3 处"
    second = Finding.objects.get(round=new_round, number=2)
    assert second.responsible_leader is None
    assert second.tasks.get().leader_text == "李副县长"
    assert not User.objects.filter(full_name="李副县长").exists()
    new_unit = Unit.objects.get(name="新区管委会")
    assert new_unit.is_within(units["bureau"])
    closed = second.tasks.get()
    assert closed.status == TaskStatus.CLOSED and closed.signed_off_at is not None
    assert closed.deadline_kind == DeadlineKind.IMMEDIATE


@pytest.mark.django_db
def test_ambiguous_jindu_header_is_the_status_when_no_other_status_column(tmp_path, people, units):
    header = ["问题编号", "问题简述", "牵头单位", "整改时限", "整改进展"]
    path = simple_file(tmp_path, [[1, "问题", "南山镇", "2024-06-30", "已完成整改"]], header=header)
    plan = run_import(path, actor=people["bureau"], default_round=_round(people))
    assert plan.written
    assert RectificationTask.objects.get().status == TaskStatus.VERIFIED


def _round(people):
    from inspections.services import round_create

    return round_create(actor=people["bureau"], kind="central", batch=1, name="第一轮中央环境保护督察")


@pytest.mark.django_db
def test_round_comes_from_round_option_when_file_has_no_round_column(tmp_path, people, units):
    header = ["序号", "问题简述", "牵头单位", "整改时限", "完成情况"]
    rows = [[1, "问题一", "南山镇", "2024年6月30日", ""], [2, "问题二", "南山镇", "2024年6月30日", ""]]
    path = simple_file(tmp_path, rows, header=header)
    plan, _ = plan_import(path)
    assert not plan.ok
    # Said once for the file, not on every row.
    assert [(e.row, e.column) for e in plan.errors] == [(None, "督察轮次")]
    assert "督察轮次" in plan.errors[0].message
    inspection_round = _round(people)
    plan = run_import(path, actor=people["bureau"], default_round=inspection_round)
    assert plan.written
    # Without 问题编号 the 序号 numbers the findings.
    assert list(inspection_round.findings.values_list("number", flat=True)) == [1, 2]


@pytest.mark.parametrize(
    ("text", "deadline", "kind"),
    [
        ("2024-06-30", date(2024, 6, 30), DeadlineKind.DATED),
        ("2024年6月30日", date(2024, 6, 30), DeadlineKind.DATED),
        ("2024.6.30", date(2024, 6, 30), DeadlineKind.DATED),
        (datetime(2024, 6, 30), date(2024, 6, 30), DeadlineKind.DATED),  # an Excel date cell
        ("2024年6月底前", date(2024, 6, 30), DeadlineKind.DATED),
        ("2023年底前", date(2023, 12, 31), DeadlineKind.DATED),
        ("2023年年底前", date(2023, 12, 31), DeadlineKind.DATED),
        ("2023年底前完成阶段性整改，2025年底前全面完成", date(2025, 12, 31), DeadlineKind.DATED),
        ("立行立改", None, DeadlineKind.IMMEDIATE),
        ("长期坚持", None, DeadlineKind.LONG_TERM),
    ],
)
@pytest.mark.django_db
def test_each_deadline_form(tmp_path, people, units, text, deadline, kind, settings):
    settings.IMMEDIATE_DEADLINE_DAYS = 10
    path = simple_file(tmp_path, [row(1, 1, "问题", "南山镇", text)])
    assert run_import(path, actor=people["bureau"]).written
    task = RectificationTask.objects.get()
    assert task.deadline_kind == kind
    if kind == DeadlineKind.IMMEDIATE:
        assert task.deadline == task.assigned_on + (date(2024, 1, 11) - date(2024, 1, 1))
    else:
        assert task.deadline == deadline
    if text == "2023年底前完成阶段性整改，2025年底前全面完成":
        assert task.milestones == ["2023-12-31"]
    assert task.deadline_text == (text if isinstance(text, str) else "2024年6月30日")


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("", TaskStatus.NOT_STARTED),
        ("尚未启动", TaskStatus.NOT_STARTED),
        ("未启动", TaskStatus.NOT_STARTED),
        ("序时推进", TaskStatus.IN_PROGRESS),
        ("正在整改", TaskStatus.IN_PROGRESS),
        ("未完成", TaskStatus.IN_PROGRESS),
        ("整改中", TaskStatus.IN_PROGRESS),
        ("基本完成", TaskStatus.IN_PROGRESS),
        ("已申请销号", TaskStatus.SUBMITTED),
        ("已完成", TaskStatus.VERIFIED),
        ("已完成整改", TaskStatus.VERIFIED),
        ("已验收", TaskStatus.VERIFIED),
        ("已销号", TaskStatus.CLOSED),
        ("长期坚持", TaskStatus.LONG_TERM),
        ("已完成（长期坚持）", TaskStatus.LONG_TERM),
        ("已完成(长期坚持)", TaskStatus.LONG_TERM),
    ],
)
@pytest.mark.django_db
def test_each_status_text(tmp_path, people, units, text, status):
    path = simple_file(tmp_path, [row(1, 1, "问题", "南山镇", "2024-06-30", status=text)])
    assert run_import(path, actor=people["bureau"]).written
    task = RectificationTask.objects.get()
    assert task.status == status
    assert task.events.filter(kind=EventKind.CREATED).count() == 1
    transitions = list(task.events.filter(kind=EventKind.TRANSITION).order_by("at", "id"))
    if status == TaskStatus.NOT_STARTED:
        assert not transitions
    else:
        # The moves of the transition table, one event each, naming the import and its file.
        assert transitions[0].from_status == TaskStatus.NOT_STARTED and transitions[-1].to_status == status
        assert all(a.to_status == b.from_status for a, b in zip(transitions, transitions[1:]))
        assert all(e.reason.startswith("台账导入：ledger.xlsx") for e in transitions)
        assert RectificationTask.objects.with_status_as_of(date.today()).get().status_as_of == status


@pytest.mark.django_db
def test_unknown_status_rejects_the_whole_file_with_row_and_column(tmp_path, people, units):
    path = simple_file(
        tmp_path,
        [
            row(1, 1, "问题一", "南山镇", "2024-06-30", status="已完成"),
            row(2, 2, "问题二", "南山镇", "2024年13月1日"),
            row(3, 3, "问题三", "南山镇", "2024-06-30", status="差不多了"),
            row(4, 4, "", "", "2024-06-30", money="很多"),
        ],
    )
    before = counts()
    plan = run_import(path, actor=people["bureau"])
    assert not plan.written
    assert counts() == before
    found = {(e.row, e.column) for e in plan.errors}
    assert (3, "整改时限") in found
    assert (4, "完成情况") in found
    assert {(5, "反馈问题"), (5, "牵头单位"), (5, "投入资金（万元）")} <= found
    assert any("差不多了" in e.message for e in plan.errors)


@pytest.mark.django_db
def test_duplicate_task_in_file_is_an_error(tmp_path, people, units):
    header = [*HEADER, "任务编号"]
    path = simple_file(
        tmp_path,
        [
            [*row(1, 1, "问题", "南山镇", "2024-06-30"), "1-1"],
            [*row(2, 1, "问题", "河口镇", "2024-06-30"), "1-1"],
        ],
        header=header,
    )
    before = counts()
    plan = run_import(path, actor=people["bureau"])
    assert counts() == before
    assert [(e.row, "第 2 行" in e.message) for e in plan.errors] == [(3, True)]


@pytest.mark.django_db
def test_reimport_updates_instead_of_duplicating(tmp_path, people, units):
    rows = [
        row(1, 1, "问题一", "南山镇", "2024-06-30", progress="开工"),
        row(2, 1, "问题一", "河口镇", "2024-09-30"),
        row(3, 2, "问题二", "南山镇", "2024年底前"),
    ]
    path = simple_file(tmp_path, rows)
    assert run_import(path, actor=people["bureau"]).written
    before = counts()
    again, _ = plan_import(path)
    assert (again.tasks_new, again.tasks_updated, again.tasks_unchanged) == (0, 0, 3)
    assert run_import(path, actor=people["bureau"]).written
    assert counts() == before  # nothing duplicated, no event for an unchanged row

    rows[1] = row(2, 1, "问题一", "河口镇", "2025年6月底前", status="已完成")
    rows[0] = row(1, 1, "问题一改", "南山镇", "2024-06-30", progress="完工")
    path = simple_file(tmp_path, rows, name="v2.xlsx")
    plan = run_import(path, actor=people["bureau"])
    assert (plan.tasks_new, plan.tasks_updated, plan.findings_updated) == (0, 2, 1)
    assert RectificationTask.objects.count() == 3
    moved = RectificationTask.objects.get(finding__number=1, number=2)
    assert (moved.deadline, moved.status, moved.version) == (date(2025, 6, 30), TaskStatus.VERIFIED, 2)
    moves = list(moved.events.filter(kind=EventKind.TRANSITION).order_by("id").values_list("action", "to_status"))
    assert moves == [("submit", TaskStatus.SUBMITTED), ("verify", TaskStatus.VERIFIED)]
    assert Finding.objects.get(number=1).summary == "问题一改"
    first = RectificationTask.objects.get(finding__number=1, number=1)
    assert list(first.progress_updates.values_list("text", flat=True)) == ["完工", "开工"]


@pytest.mark.django_db
def test_closed_task_is_not_changed_by_import(tmp_path, people, units, ledger_round):
    path = simple_file(
        tmp_path,
        [row(1, 2, "工业园区 VOCs 治理不力", "南山镇", "2026-09-30", status="已销号", category="工业园区", leader="")],
    )
    task = RectificationTask.objects.get(finding__number=2, number=1)
    before = (counts(), task.version, task.deadline_text, task.status)
    plan = run_import(path, actor=people["bureau"])
    # Listed as a conflict the user cannot take; the rest of the file would still be written.
    assert plan.written and not plan.errors
    [conflict] = plan.conflicts
    conflicts = {c.field: c.conflict for c in conflict.changes}
    assert conflict.code == "2-1" and conflicts["deadline"] == "closed"
    run_import(path, actor=people["bureau"], prefer_file=True)  # not even when the file is preferred
    task.refresh_from_db()
    assert (counts(), task.version, task.deadline_text, task.status) == before


def _refused(path, name=None, size=None):
    import os

    check_upload(name or str(path), os.path.getsize(path) if size is None else size)
    return plan_import(path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "size", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"0" * 100, None, "请另存为 .xlsx 后再上传"),
        ("list.csv", b"a,b\n1,2\n", None, "只能导入 Excel 工作簿"),
        ("big.xlsx", b"PK", 10 * 1024 * 1024 + 1, "不能超过 10 MB"),
        ("fake.xlsx", b"this is not a zip file at all", None, "不是有效的 Excel 工作簿"),
    ],
)
def test_refusals_before_reading(tmp_path, people, units, name, content, size, message):
    path = tmp_path / name
    path.write_bytes(content)
    before = counts()
    with pytest.raises(LedgerRefused) as refused:
        _refused(path, name=name, size=size)
    assert message in refused.value.message
    assert counts() == before


@pytest.mark.django_db
def test_zip_without_workbook_is_refused(tmp_path, people, units):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    before = counts()
    with pytest.raises(LedgerRefused) as refused:
        _refused(path)
    assert "没有 Excel 工作簿" in refused.value.message
    assert counts() == before


@pytest.mark.django_db
def test_over_50000_rows_is_refused_from_the_dimension(tmp_path, people, units, monkeypatch):
    path = tmp_path / "huge.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADER)
    for n in range(MAX_ROWS + 1):
        ws.append([n])
    wb.save(path)
    from inspections.ledger import reader

    calls = []
    monkeypatch.setattr(reader, "read_ledger", lambda *a, **k: calls.append(1))  # must not be reached
    before = counts()
    with pytest.raises(LedgerRefused) as refused:
        _refused(path)
    assert "行数过多" in refused.value.message
    assert calls == [] and counts() == before


@pytest.mark.django_db
def test_file_without_header_or_required_columns_is_refused(tmp_path, people, units):
    path = workbook_file(tmp_path / "no-header.xlsx", [["随便写点什么"], [1, 2, 3]])
    with pytest.raises(LedgerRefused, match="没有找到表头行"):
        plan_import(path)
    path = workbook_file(tmp_path / "no-deadline.xlsx", [["序号", "反馈问题", "牵头单位"], [1, "问题", "南山镇"]])
    with pytest.raises(LedgerRefused, match="整改时限"):
        plan_import(path)


@pytest.mark.django_db
def test_import_command_dry_run_and_write(tmp_path, people, units):
    path = simple_file(tmp_path, [row(1, 1, "问题", "南山镇", "2024-06-30", status="整改中")])
    before = counts()
    call_command("import_ledger", str(path), "--dry-run")
    assert counts() == before
    call_command("import_ledger", str(path), "--user", "duchaban")
    assert RectificationTask.objects.get().status == TaskStatus.IN_PROGRESS
    bad = simple_file(tmp_path, [row(1, 1, "问题", "南山镇", "不知道")], name="bad.xlsx")
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_ledger", str(bad))
    with pytest.raises(CommandError, match="另存为"):
        (tmp_path / "x.xls").write_bytes(b"x")
        call_command("import_ledger", str(tmp_path / "x.xls"))


@pytest.mark.django_db
def test_sheet_with_a_wrong_dimension_is_read_in_full(tmp_path, people, units):
    """Some generators write <dimension ref="A1"/>; every row and column must still be read."""
    good = simple_file(
        tmp_path,
        [row(1, 1, "问题一", "南山镇", "2024-06-30", status="已完成"), row(2, 1, None, "河口镇", "2024-07-31")],
        merges=["B2:B3", "C2:C3", "D2:D3", "E2:E3", "H2:H3"],
    )
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
                assert b'<dimension ref="A1"/>' in data
            target.writestr(item, data)
    plan = run_import(broken, actor=people["bureau"])
    assert plan.written, plan.errors
    finding = Finding.objects.get()
    assert [(t.lead_unit.name, t.status) for t in finding.tasks.order_by("number")] == [
        ("南山镇", TaskStatus.VERIFIED),
        ("河口镇", TaskStatus.NOT_STARTED),
    ]


@pytest.mark.django_db
def test_damaged_sheet_inside_a_valid_package_is_refused(tmp_path, people, units):
    good = simple_file(tmp_path, [row(1, 1, "问题一", "南山镇", "2024-06-30")])
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut in the middle of the XML
            target.writestr(item, data)
    before = counts()
    with pytest.raises(LedgerRefused):
        plan_import(damaged)
    assert counts() == before


@pytest.mark.django_db
def test_imported_tasks_are_searchable_at_once(tmp_path, people, units):
    from inspections.search import search_q, search_texts_stale

    rows = [
        row(1, 1, "垃圾填埋场渗滤液外溢", "南山镇", "2024年6月30日", cooperating="河口镇"),
        row(2, 2, "工业园区ＶＯＣｓ排放", "市住房和城乡建设局", "2024年6月30日"),
    ]
    assert run_import(simple_file(tmp_path, rows), actor=people["bureau"]).written
    # The bulk writer skips the services: the import rebuilds the documents of what it wrote.
    assert search_texts_stale() == (0, [])

    def found(q):
        return sorted(t.finding.summary for t in RectificationTask.objects.filter(search_q(q)))

    assert found("渗滤液") == found("河口镇") == found(units["nanshan"].name) == ["垃圾填埋场渗滤液外溢"]
    assert found("vocs") == ["工业园区ＶＯＣｓ排放"]
