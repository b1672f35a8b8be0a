"""Importing a ledger keeps history dated and never undoes newer work (issue: the ledger a bureau already has)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from accounts.choices import Role, UnitKind
from accounts.models import Unit, User
from inspections import services
from inspections.choices import EventKind, EvidenceKind, RoundKind, TaskStatus
from inspections.ledger.export import write_ledger
from inspections.ledger.parse import as_of_from_title
from inspections.ledger.services import ledger_import, ledger_import_plan
from inspections.models import Notification, RectificationTask
from inspections.models.tasks import end_of_day
from inspections.reports.figures import dispatch_figures
from inspections.selectors import task_filterset

from .conftest import PNG, workbook_file


def _task(code: str) -> RectificationTask:
    finding, number = code.split("-")
    return RectificationTask.objects.get(finding__number=int(finding), number=int(number))


def _state(code: str) -> tuple:
    task = _task(code)
    return task.status, task.percent, task.investment, task.version


@pytest.mark.django_db
def test_stale_copy_moves_nothing_backwards_and_lists_each_conflict(tmp_path, people, ledger_round):
    """Export; units, leader and bureau keep working; the earlier export is imported again."""
    old_copy = tmp_path / "earlier-export.xlsx"
    write_ledger(task_filterset(user=people["admin"]).qs, old_copy)

    # A unit asks for closure at 40 % with 1280.50 万元 invested (2-3 was 尚未启动 in the export).
    unit_task = _task("2-3")
    services.task_progress_add(actor=people["hekou"], task=unit_task, text="清运完成", percent=40, investment="1280.50")
    services.task_evidence_add(
        actor=people["hekou"], task=unit_task, files=[SimpleUploadedFile("a.png", PNG)], kind=EvidenceKind.PHOTO
    )
    services.task_submit(actor=people["hekou"], task=unit_task, reason="清运完成，扫尾中")
    # The leader moves a verified task to 长期坚持; the bureau rejects a closure request.
    services.task_keep_long_term(actor=people["leader"], task=_task("1-3"))
    services.task_reject(actor=people["bureau"], task=_task("1-2"), reason="佐证材料不全")
    now = {code: _state(code) for code in ("1-1", "1-2", "1-3", "2-1", "2-2", "2-3")}
    assert now["2-3"][:3] == (TaskStatus.SUBMITTED, 40, Decimal("1280.50"))

    plan = ledger_import_plan(actor=people["bureau"], path=old_copy)
    assert plan.ok, plan.errors
    conflicts = {c.code: {f.field: f for f in c.conflicts} for c in plan.conflicts}
    assert set(conflicts) == {"1-2", "1-3", "2-3"}
    status = conflicts["2-3"]["status"]
    assert (status.old, status.new, status.conflict) == ("已申请销号", "尚未启动", "backward")
    money = conflicts["2-3"]["investment"]
    assert (money.old, money.new, money.conflict) == ("1,280.50", "0.00", "stale")
    assert (conflicts["1-3"]["status"].old, conflicts["1-3"]["status"].new) == ("长期坚持", "已验收")
    assert conflicts["1-3"]["status"].conflict == "backward"
    # The rejection happened after the file: the file's 已申请销号 is only taken if the user says so.
    assert (conflicts["1-2"]["status"].new, conflicts["1-2"]["status"].conflict) == ("已申请销号", "stale")
    assert plan.tasks_updated == 0

    ledger_import(actor=people["bureau"], path=old_copy)
    assert {code: _state(code) for code in now} == now  # the default keeps every newer value

    # Even when the file is preferred, nothing moves backwards and the closed task stays as it is.
    ledger_import(actor=people["bureau"], path=old_copy, prefer_file=True)
    assert _state("2-3")[:2] == (TaskStatus.SUBMITTED, 40)
    assert _state("2-3")[2] == Decimal("0")  # the one value the user took from the file
    assert _state("1-3")[0] == TaskStatus.LONG_TERM
    assert _state("2-1") == now["2-1"]
    moved = _task("1-2")
    assert moved.status == TaskStatus.SUBMITTED  # accepted forward move, through the table's 申请销号
    event = moved.events.filter(kind=EventKind.TRANSITION).latest("at", "id")
    assert (event.action, event.actor, event.reason.startswith("台账导入：earlier-export.xlsx")) == (
        "submit",
        people["bureau"],
        True,
    )


@pytest.mark.django_db
def test_forward_moves_are_workflow_events_dated_at_the_files_date(tmp_path, people, units):
    header = ["督察轮次", "问题编号", "反馈问题", "牵头单位", "整改时限", "完成情况"]
    first = workbook_file(
        tmp_path / "june.xlsx",
        [["截至2023年6月30日"], header, ["省级督察", 1, "问题", "南山镇", "2023年底前", "整改中"]],
    )
    ledger_import(actor=people["bureau"], path=first)
    task = RectificationTask.objects.get()
    assert task.created_at == end_of_day(date(2023, 6, 30))
    later = workbook_file(
        tmp_path / "july.xlsx",
        [["填报日期：2023年7月10日"], header, ["省级督察", 1, "问题", "南山镇", "2023年底前", "已销号"]],
    )
    plan = ledger_import(actor=people["bureau"], path=later)
    assert plan.tasks_updated == 1 and not plan.conflicts  # the earlier import is older than this file
    task.refresh_from_db()
    moves = list(task.events.filter(kind=EventKind.TRANSITION).order_by("at", "id"))
    assert [(e.action, e.to_status) for e in moves] == [
        ("start", TaskStatus.IN_PROGRESS),
        ("submit", TaskStatus.SUBMITTED),
        ("verify", TaskStatus.VERIFIED),
        ("close", TaskStatus.CLOSED),
    ]
    assert {e.actor for e in moves} == {people["bureau"]}
    assert moves[-1].reason.startswith("台账导入：july.xlsx")
    july = end_of_day(date(2023, 7, 10))
    assert moves[-1].at == task.verified_at == task.signed_off_at == task.completed_at == july
    assert (task.verified_by, task.signed_off_by, task.percent) == (people["bureau"], people["bureau"], 100)
    as_of = RectificationTask.objects.with_status_as_of(date(2023, 7, 9)).get().status_as_of
    assert as_of == TaskStatus.IN_PROGRESS  # the day before the July file, what the June file said
    # The import itself keeps its real time in the field history.
    assert timezone.localdate(task.history.latest().history_date) == timezone.localdate()


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["XX市整改台账"], ["填报单位：XX市生态环境局", None, "填报日期：2023年7月10日"]], date(2023, 7, 10)),
        ([["填报单位：XX局", "填报日期：", datetime(2023, 7, 10)]], date(2023, 7, 10)),  # the export's form
        ([["（截至2023年7月底）"]], date(2023, 7, 31)),
        ([["数据截止：2023.7.10"]], date(2023, 7, 10)),
        ([["填报时间 2023-07-10"]], date(2023, 7, 10)),
        ([["XX市整改台账"], []], None),
    ],
)
def test_as_of_date_read_from_the_title_rows(rows, expected):
    assert as_of_from_title(rows) == expected


@pytest.mark.django_db
def test_as_of_given_wins_over_the_file_and_future_dates_are_refused(tmp_path, people, units):
    path = workbook_file(
        tmp_path / "t.xlsx",
        [
            ["填报日期：2023年7月10日"],
            ["问题编号", "反馈问题", "牵头单位", "整改时限", "督察轮次"],
            [1, "问", "南山镇", "2023-12-31", "省级督察"],
        ],
    )
    assert ledger_import_plan(actor=people["bureau"], path=path, as_of=date(2023, 8, 1)).as_of == date(2023, 8, 1)
    plan = ledger_import_plan(actor=people["bureau"], path=path, as_of=date(2999, 1, 1))
    assert [(e.row, e.column) for e in plan.errors] == [(None, "填报日期")]
    out = tmp_path / "out.txt"
    with out.open("w") as stream:
        call_command("import_ledger", str(path), "--as-of", "2023-08-01", "--dry-run", stdout=stream)
    assert "填报日期：2023-08-01（--as-of）" in out.read_text()


HEADER = [
    "序号",
    "督察轮次",
    "问题编号",
    "反馈问题",
    "牵头单位",
    "责任领导",
    "整改时限",
    "完成情况",
    "投入资金（万元）",
    "销号情况",
    "备注",
]
CENTRAL_1 = "第一轮中央环境保护督察"
CENTRAL_2 = "第二轮中央生态环境保护督察"
PROVINCIAL = "省级生态环境保护督察"
LEADERS = ["市委常委、常务副市长", "张副市长", "市政府分管副市长、县长", ""]


def _realistic_rows():
    """130 tasks in 3 rounds, 3 tasks a finding (finding cells merged), eight-plus deadline forms."""
    specs = []  # (round, status text, deadline cell)
    # 第一轮: 40 tasks, all complete (20 已销号, 10 已完成, 10 长期坚持).
    specs += [(CENTRAL_1, "已销号", "2018年底前")] * 20
    specs += [(CENTRAL_1, "已完成", "2019年6月底前")] * 10
    specs += [(CENTRAL_1, "长期坚持", "长期坚持")] * 10
    # 第二轮 (feedback 2023-03-01, so 立行立改 is due 2023-03-31): 50 tasks.
    specs += [(CENTRAL_2, "已完成整改", "2023年6月底前")] * 20  # complete
    specs += [(CENTRAL_2, "整改中", "2023-06-30")] * 5  # overdue
    specs += [(CENTRAL_2, "整改中", datetime(2023, 5, 31))] * 5  # an Excel date cell; overdue
    specs += [(CENTRAL_2, "整改中", "立行立改")] * 5  # overdue (2023-03-31)
    specs += [(CENTRAL_2, "序时推进", "2023年底前")] * 5
    specs += [(CENTRAL_2, "序时推进", "2022年底前完成阶段性整改，2024年底前全面完成")] * 5
    specs += [(CENTRAL_2, "尚未启动", "2023年年底前")] * 5
    # 省级: 40 tasks.
    specs += [(PROVINCIAL, "已完成", "2023年6月30日")] * 15
    specs += [(PROVINCIAL, "已销号", "2023.6.30")] * 10
    specs += [(PROVINCIAL, "已完成（长期坚持）", "长期坚持")] * 4
    specs += [(PROVINCIAL, "未完成", "2023年6月30日")] * 6  # overdue
    specs += [(PROVINCIAL, "已申请销号", "2023.6.30")] * 5  # overdue: asked for, not yet accepted
    rows, merges = [], []
    first_data_row = 4
    seq, finding, previous_round = 0, 0, None
    for index, (round_name, status, deadline) in enumerate(specs):
        if round_name != previous_round:
            finding, in_finding, previous_round = 0, 3, round_name
        if in_finding == 3:
            finding, in_finding = finding + 1, 0
            start = first_data_row + index
        in_finding += 1
        seq += 1
        leads = ["南山镇", "河口镇", "北岭乡人民政府", "市住房和城乡建设局"]
        first_of_finding = in_finding == 1
        rows.append(
            [
                seq,
                round_name if first_of_finding else None,
                finding if first_of_finding else None,
                f"{round_name}反馈问题{finding}" if first_of_finding else None,
                leads[seq % 4],
                LEADERS[seq % 4],
                deadline,
                status,
                None if seq % 5 == 0 else round(seq * 1.5, 2),  # every fifth blank
                "已销号（2023年5月20日）" if status == "已销号" else "",
                "重点督办" if seq % 7 == 0 else "",
            ]
        )
        end = first_data_row + index
        if in_finding == 3 or index + 1 == len(specs) or specs[index + 1][0] != round_name:
            if end > start:
                merges += [f"{col}{start}:{col}{end}" for col in "BCD"]
            in_finding = 3
    return rows, merges


@pytest.mark.django_db
def test_realistic_130_task_ledger_gives_the_reports_figures_for_its_date(tmp_path, people, units):
    services.round_create(
        actor=people["bureau"], kind=RoundKind.CENTRAL, batch=2, name=CENTRAL_2, feedback_date=date(2023, 3, 1)
    )
    Unit.objects.create(name="北岭乡", code="T3", kind=UnitKind.TOWNSHIP, parent=units["bureau"])
    rows, merges = _realistic_rows()
    path = workbook_file(
        tmp_path / "台账.xlsx",
        [
            ["XX市生态环境保护督察反馈问题整改台账"],
            ["填报单位：XX市生态环境局", None, None, None, None, None, None, "填报日期：2023年7月10日"],
            HEADER,
            *rows,
        ],
        merges=merges,
    )
    plan = ledger_import(actor=people["bureau"], path=path)
    assert plan.written, plan.errors[:5]
    assert (plan.rows, plan.tasks_new, plan.as_of) == (130, 130, date(2023, 7, 10))
    assert plan.unit_matches == [("北岭乡人民政府", "北岭乡")]  # offered as the existing unit, not created
    assert "北岭乡人民政府" not in plan.units_new and not Unit.objects.filter(name="北岭乡人民政府").exists()
    assert plan.leaders_new == [] and not User.objects.filter(is_active=False).exists()

    figures = dispatch_figures(date(2023, 7, 10))
    by_round = {r.name: r.counts for r in figures.rounds}
    # Counted by hand from the specs above.
    assert (by_round[CENTRAL_1].total, by_round[CENTRAL_1].complete, by_round[CENTRAL_1].overdue) == (40, 40, 0)
    assert (by_round[CENTRAL_2].total, by_round[CENTRAL_2].complete, by_round[CENTRAL_2].overdue) == (50, 20, 15)
    assert (by_round[CENTRAL_2].in_progress, by_round[CENTRAL_2].not_started) == (25, 5)
    assert (by_round[PROVINCIAL].total, by_round[PROVINCIAL].complete, by_round[PROVINCIAL].overdue) == (40, 29, 11)
    assert (figures.totals.total, figures.totals.complete, figures.totals.overdue) == (130, 89, 26)
    assert {r.name: r.findings for r in figures.rounds} == {CENTRAL_1: 14, CENTRAL_2: 17, PROVINCIAL: 14}
    overdue_leaders = {r["finding__responsible_leader__full_name"] for r in figures.overdue}
    assert "市委常委、常务副市长" in overdue_leaders  # the report's lists name the leader as typed
    assert dispatch_figures(date(2023, 7, 9)).totals.total == 0  # nothing is claimed before the file's date

    # What was typed is kept: leaders per task with 、, blanks, remarks; 交办日期 from the round's feedback.
    tasks = RectificationTask.objects.order_by("round_id", "finding__number", "number")
    assert {t.leader_text for t in tasks} == set(LEADERS)
    assert tasks.filter(investment__isnull=True).count() == 26  # every fifth of 130
    assert tasks.filter(remark="重点督办").count() == 130 // 7
    assert set(tasks.filter(round__name=CENTRAL_2).values_list("assigned_on", flat=True)) == {date(2023, 3, 1)}
    assert set(tasks.filter(round__name=PROVINCIAL).values_list("assigned_on", flat=True)) == {date(2023, 7, 10)}
    signed = tasks.filter(status=TaskStatus.CLOSED).values_list("signed_off_at", flat=True)
    assert {timezone_date(s) for s in signed} == {date(2023, 5, 20)}


def timezone_date(value):
    from django.utils import timezone

    return timezone.localtime(value).date()


@pytest.mark.django_db
def test_all_errors_at_once_file_problems_once_and_unknown_columns_named(tmp_path, people, units):
    header = ["问题编号", "反馈问题", "牵头单位", "整改时限", "完成情况", "投入资金（万元）", "联系电话", "督办级别"]
    path = workbook_file(
        tmp_path / "bad.xlsx",
        [
            header,
            [1, "问题一", "南山镇", "明年吧", "快好了", "很多"],
            [2, "", "", "2024-06-30", "整改中", 3],
            [3, "问题三", "南山镇", "2024-06-30", "整改中", None],
        ],
    )
    plan = ledger_import_plan(actor=people["bureau"], path=path)
    found = [(e.row, e.column, e.value) for e in plan.errors]
    # No 督察轮次 column and none chosen: said once for the file, first.
    assert found[0] == (None, "督察轮次", "")
    assert sum(1 for e in plan.errors if e.column == "督察轮次") == 1
    assert {
        (2, "完成情况", "快好了"),
        (2, "投入资金（万元）", "很多"),
        (3, "反馈问题", ""),
        (3, "牵头单位", ""),
    } <= set(found)
    assert plan.unknown_columns == ["联系电话", "督办级别"]


@pytest.mark.django_db
def test_import_preview_pages_conflicts_and_per_task_accept(client, tmp_path, people, ledger_round):
    old_copy = tmp_path / "old.xlsx"
    write_ledger(task_filterset(user=people["admin"]).qs, old_copy)
    services.task_reject(actor=people["bureau"], task=_task("1-2"), reason="材料不全")
    services.task_keep_long_term(actor=people["leader"], task=_task("1-3"))
    client.force_login(people["bureau"])
    upload = SimpleUploadedFile("old.xlsx", old_copy.read_bytes())
    preview = client.post("/ledger/import/", {"file": upload})
    html = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="plan-conflicts"' in html
    assert "不能回退状态" in html and "系统中在填报日期当天或之后有更新" in html
    key = next(c["key"] for c in preview.context["preview"]["changes"] if c["code"] == "1-2")
    page = client.get(f"/ledger/import/preview/{preview.context['token']}/?page=1")
    assert page.status_code == 200 and "1-2" in page.content.decode()
    done = client.post("/ledger/import/confirm/", {"token": preview.context["token"], "accept": [key]})
    assert done.status_code == 302
    assert _task("1-2").status == TaskStatus.SUBMITTED  # accepted
    assert _task("1-3").status == TaskStatus.LONG_TERM  # never backwards
    assert "导入完成" in client.get(done.url).content.decode()


@pytest.mark.django_db
def test_one_digest_per_unit_in_app_and_by_email(tmp_path, people, units, django_capture_on_commit_callbacks):
    people["nanshan"].email = "nanshan@example.cn"
    people["nanshan"].save()
    people["hekou"].email = ""  # no address: the in-app notification only
    people["hekou"].save()
    header = ["督察轮次", "问题编号", "反馈问题", "牵头单位", "整改时限"]
    rows = [["省级督察", n, f"问题{n}", "南山镇" if n <= 3 else "河口镇", "2030-12-31"] for n in range(1, 6)]
    path = workbook_file(tmp_path / "d.xlsx", [header, *rows])
    with django_capture_on_commit_callbacks(execute=True):
        ledger_import(actor=people["bureau"], path=path)
    nanshan = Notification.objects.filter(recipient=people["nanshan"])
    assert nanshan.count() == 1 and "3 项" in nanshan.get().title and "1-1" in nanshan.get().body
    assert Notification.objects.filter(recipient=people["hekou"]).count() == 1
    assert [m.to for m in mail.outbox] == [["nanshan@example.cn"]]


@pytest.mark.django_db
def test_import_template_downloads_with_the_exports_header(client, people):
    from io import BytesIO

    from openpyxl import load_workbook

    from inspections.ledger.columns import COLUMNS

    client.force_login(people["bureau"])
    response = client.get("/ledger/import/template/")
    ws = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in ws[3]] == [c.header for c in COLUMNS]
    assert ws.cell(row=4, column=[c.key for c in COLUMNS].index("leader") + 1).value == "市委常委、常务副市长"
    client.force_login(people["nanshan"])
    assert client.get("/ledger/import/template/").status_code == 403


@pytest.mark.django_db
def test_a_unit_user_cannot_plan_an_import(tmp_path, people, units):
    from inspections.errors import NotAllowed

    path = workbook_file(
        tmp_path / "x.xlsx", [["问题编号", "反馈问题", "牵头单位", "整改时限"], [1, "问", "南山镇", "2030-1-1"]]
    )
    with pytest.raises(NotAllowed):
        ledger_import_plan(actor=people["nanshan"], path=path)
    assert Role.UNIT == people["nanshan"].role


@pytest.fixture
def eager_celery():
    from rectify.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_large_import_runs_in_celery_with_progress_and_belongs_to_its_owner(
    client, tmp_path, people, units, settings, eager_celery, django_capture_on_commit_callbacks
):
    from inspections.choices import JobStatus
    from inspections.models import ImportJob

    settings.IMPORT_ASYNC_THRESHOLD = 2
    header = ["督察轮次", "问题编号", "反馈问题", "牵头单位", "整改时限"]
    rows = [["省级督察", n, f"问题{n}", "南山镇", "2030-12-31"] for n in range(1, 4)]
    path = workbook_file(tmp_path / "big.xlsx", [header, *rows])
    client.force_login(people["bureau"])
    preview = client.post("/ledger/import/", {"file": SimpleUploadedFile("big.xlsx", path.read_bytes())})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        done = client.post("/ledger/import/confirm/", {"token": preview.context["token"]})
    job = ImportJob.objects.get()
    assert done.status_code == 302 and job.status == JobStatus.PENDING and RectificationTask.objects.count() == 0
    pending = client.get(done.url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in pending.content.decode()  # the page polls while Celery works
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.status, job.progress, job.total, job.result["tasks_new"]) == (JobStatus.DONE, 3, 3, 3)
    assert RectificationTask.objects.count() == 3
    assert "导入完成" in client.get(done.url).content.decode()
    client.force_login(people["admin"])
    assert client.get(done.url).status_code == 404  # another user's job
    client.force_login(people["nanshan"])
    assert client.get(done.url).status_code == 403


@pytest.mark.django_db
def test_near_duplicate_unit_is_created_only_when_the_user_says_it_is_another_unit(client, tmp_path, people, units):
    Unit.objects.create(name="北岭乡", code="T3", kind=UnitKind.TOWNSHIP, parent=units["bureau"])
    header = ["督察轮次", "问题编号", "反馈问题", "牵头单位", "整改时限"]
    path = workbook_file(tmp_path / "u.xlsx", [header, ["省级督察", 1, "问题", "北岭乡人民政府", "2030-12-31"]])
    client.force_login(people["bureau"])
    preview = client.post("/ledger/import/", {"file": SimpleUploadedFile("u.xlsx", path.read_bytes())})
    html = preview.content.decode()
    assert 'data-testid="unit-matches"' in html and "北岭乡人民政府 → <strong>北岭乡</strong>" in html
    client.post("/ledger/import/confirm/", {"token": preview.context["token"], "create_unit": ["北岭乡人民政府"]})
    assert RectificationTask.objects.get().lead_unit.name == "北岭乡人民政府"


@pytest.mark.django_db
def test_import_command_lists_conflicts_and_prefer_file_takes_the_file(tmp_path, people, ledger_round):
    old_copy = tmp_path / "old.xlsx"
    write_ledger(task_filterset(user=people["admin"]).qs, old_copy)
    services.task_reject(actor=people["bureau"], task=_task("1-2"), reason="材料不全")
    out = tmp_path / "out.txt"
    with out.open("w") as stream:
        call_command("import_ledger", str(old_copy), "--user", "duchaban", stdout=stream)
    text = out.read_text()
    assert "任务 1-2 [完成情况]：系统“整改中” / 文件“已申请销号”" in text and "保留系统中的值" in text
    assert _task("1-2").status == TaskStatus.IN_PROGRESS
    with out.open("w") as stream:
        call_command("import_ledger", str(old_copy), "--user", "duchaban", "--prefer-file", stdout=stream)
    assert "采用文件中的值" in out.read_text()
    assert _task("1-2").status == TaskStatus.SUBMITTED
