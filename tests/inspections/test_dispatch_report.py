"""The weekly dispatch report: figures as of a date, the narrative, the workbook, the weekly job, the commands."""

from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask
from helpers_ledger import at, make_ledger

from accounts.choices import Role
from accounts.services import user_create
from inspections import services
from inspections.choices import EvidenceKind, JobStatus, NotificationKind, RoundKind, TaskStatus
from inspections.demo.realistic import DemoBuilder
from inspections.models import DispatchReport, Notification
from inspections.reports.figures import SIGNED_OFF, dispatch_figures, snapshot_holds, tasks_as_of
from inspections.reports.narrative import dispatch_narrative
from inspections.reports.services import dispatch_report_build, dispatch_report_weekly, report_file
from inspections.summaries import figures_backfill

pytestmark = pytest.mark.django_db

WEEK_1 = date(2026, 6, 7)  # a Sunday: the report of the week 06-01 .. 06-07
WEEK_2 = WEEK_1 + timedelta(days=7)


def finish(ledger, task, *, close=False):
    """The unit starts (if need be), proves and submits; the bureau verifies; the leader may close."""
    contact = ledger.water_contact if task.lead_unit_id == ledger.water.pk else ledger.town_contact
    task.refresh_from_db()
    if task.status == TaskStatus.NOT_STARTED:
        services.task_start(actor=contact, task=task)
    services.task_evidence_add(
        actor=contact,
        task=task,
        kind=EvidenceKind.ACCEPTANCE,
        description="验收",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")],
    )
    services.task_submit(actor=contact, task=task, reason="主体工程完工，扫尾中")
    services.task_verify(actor=ledger.bureau, task=task)
    if close:
        services.task_close(actor=ledger.leader, task=task)


@pytest.fixture
def history():
    """Six tasks in two rounds whose statuses change over three weeks."""
    with at(date(2026, 5, 1)):
        ledger = make_ledger()
        central = ledger.round()
        provincial = ledger.round(name="省级生态环境保护督察", kind=RoundKind.PROVINCIAL, batch=1)
        t = {
            "early": ledger.task(central, date(2026, 5, 20)),  # done before week 1
            "week1": ledger.task(central, date(2026, 6, 3)),  # done and closed in week 1
            "late": ledger.task(central, date(2026, 6, 5)),  # overdue at the end of week 1; done in week 2
            "soon": ledger.task(provincial, date(2026, 6, 15), unit=ledger.town),  # due within 14 days
            "open": ledger.task(provincial, date(2026, 12, 31), unit=ledger.town),
        }
        finish(ledger, t["early"], close=True)
    with at(date(2026, 6, 3)):
        finish(ledger, t["week1"], close=True)
        services.task_start(actor=ledger.town_contact, task=t["soon"])
    with at(date(2026, 6, 10)):
        finish(ledger, t["late"])
        t["new"] = ledger.task(provincial, date(2026, 7, 1), unit=ledger.town)  # created after week 1
    return ledger, t


def test_figures_as_of_a_date_come_from_the_history_not_todays_status(history):
    ledger, t = history
    with at(date(2026, 6, 20)):  # everything below happened after both report dates
        finish(ledger, t["soon"], close=True)
        admin = user_create(username="t_admin", password=None, role=Role.ADMIN, is_superuser=True)
        services.task_reopen(actor=admin, task=t["early"], reason="复查发现反弹")
        figures = dispatch_figures(WEEK_1)
    central, provincial = figures.rounds
    assert (central.counts.total, central.counts.complete, central.counts.complete_week, central.counts.overdue) == (
        3,
        2,
        1,
        1,
    )
    assert (
        provincial.counts.total,
        provincial.counts.complete,
        provincial.counts.in_progress,
        provincial.counts.not_started,
    ) == (2, 0, 1, 1)
    assert [r["pk"] for r in figures.overdue] == [t["late"].pk]
    assert figures.overdue[0]["late"] == 2
    assert [r["pk"] for r in figures.due_soon] == [t["soon"].pk]
    assert [r["pk"] for r in figures.closed_week] == [t["week1"].pk]
    assert figures.totals.rate == 40.0

    with at(date(2026, 6, 20)):
        second = dispatch_figures(WEEK_2)
    central, provincial = second.rounds
    assert (central.counts.complete, central.counts.complete_week, central.counts.overdue) == (3, 1, 0)
    assert provincial.counts.total == 3  # the task created in week 2 exists now
    assert second.closed_week == []


def test_units_are_ranked_by_completion_rate(history):
    _ledger, _t = history
    figures = dispatch_figures(WEEK_1)
    assert [(u.name, u.counts.total, u.counts.complete) for u in figures.units] == [
        ("测试市水务局", 3, 2),
        ("测试南山镇", 2, 0),
    ]
    narrative = dispatch_narrative(figures)
    assert "完成率最高的是测试市水务局（66.7%），最低的是测试南山镇（0.0%）" in narrative


def test_the_number_of_queries_does_not_grow_with_the_tasks(history):
    ledger, t = history
    with CaptureQueriesContext(connection) as small:
        dispatch_figures(WEEK_2)
    with at(date(2026, 6, 11)):
        inspection_round = ledger.round(name="更多任务的轮次", kind=RoundKind.SPECIAL, batch=1)
        for i in range(12):
            task = ledger.task(inspection_round, date(2026, 6, 1) + timedelta(days=i), unit=ledger.town)
            if i % 3 == 0:
                finish(ledger, task)
    with CaptureQueriesContext(connection) as large:
        figures = dispatch_figures(WEEK_2)
    assert figures.totals.total == 18
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize(
    "kind, expected",
    [
        (RoundKind.CENTRAL, "第二轮中央生态环境保护督察整改任务共3项，已完成2项"),
        (RoundKind.PROVINCIAL, "第二轮中央生态环境保护督察反馈的3个整改任务，已完成整改2个"),
    ],
)
def test_round_sentence_depends_on_the_round_kind(history, kind, expected):
    from inspections.models import InspectionRound

    InspectionRound.objects.filter(name="第二轮中央生态环境保护督察").update(kind=kind)
    assert dispatch_narrative(dispatch_figures(WEEK_1)).startswith(expected + "；")


def test_narrative_on_the_demo_data_reads_like_the_bulletin():
    today = date(2026, 11, 23)
    with at(today, 7):
        DemoBuilder(today=today).build()
    with at(today, 18):
        figures = dispatch_figures(today)
    narrative = dispatch_narrative(figures)
    assert narrative.startswith(
        "第一轮中央环境保护督察反馈的39个问题已全部完成整改；"
        "中央环境保护督察“回头看”及专项督察整改任务共15项，已完成13项；"
        "第二轮中央生态环境保护督察整改任务共18项，已完成10项；"
        "省级生态环境保护督察反馈的36个整改任务，已完成整改29个；"
        "省级生态环境保护督察“回头看”反馈的26个整改任务，已完成整改21个。"
    )
    assert f"全部134项整改任务已完成112项，完成率{100 * 112 / 134:.1f}%" in narrative
    assert figures.totals.overdue == len(figures.overdue) > 0


def test_workbook_is_formatted_for_print(history):
    ledger, t = history
    report = DispatchReport.objects.create(report_date=WEEK_1)
    with at(WEEK_2):
        report = dispatch_report_build(report_id=report.pk)
    assert report.status == JobStatus.DONE
    path = report_file(report)
    assert path.is_file() and path.parent.name == "reports"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["总体情况", "单位排名", "督办约谈", "逾期任务", "14日内到期", "本周销号"]
    for ws in wb:
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.freeze_panes in ("A4", "A6")
        assert ws.column_dimensions["B"].width > 10
        assert "督察" in ws["A1"].value or "单位" in ws["A1"].value or "任务" in ws["A1"].value
        assert "2026年06月07日" in ws["A2"].value
    summary = wb["总体情况"]
    assert summary["A3"].value == report.narrative
    assert [summary.cell(row=6, column=c).value for c in (2, 4, 5, 6)] == ["第二轮中央生态环境保护督察", 3, 2, 1]
    overdue = wb["逾期任务"]
    assert overdue["C4"].value == t["late"].code and overdue["K4"].value == 2
    assert report.data["overdue"]["total"] == 1 and report.data["rounds"][0]["complete"] == 2


def test_weekly_job_reports_last_week_and_emails_the_leaders_once(history):
    ledger, _t = history
    monday = WEEK_1 + timedelta(days=1)
    mail.outbox.clear()
    with at(monday, 8):
        report = dispatch_report_weekly(today=monday)
        again = dispatch_report_weekly(today=monday)
    assert report.pk == again.pk and report.report_date == WEEK_1
    assert DispatchReport.objects.count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["leader2@example.gov.cn", "leader@example.gov.cn"]
    assert report.narrative in message.body
    ((name, content, mimetype),) = message.attachments
    assert name.endswith(".xlsx") and content == report_file(report).read_bytes()
    assert Notification.objects.filter(recipient=ledger.leader, kind=NotificationKind.REPORT).count() == 1


def test_dispatch_report_command_prints_the_path(history, capsys):
    with at(WEEK_2, 10):
        call_command("dispatch_report", "--date", WEEK_1.isoformat())
    printed = Path(capsys.readouterr().out.strip())
    assert printed.is_file()
    assert openpyxl.load_workbook(printed)["总体情况"]["A3"].value.startswith("第二轮中央生态环境保护督察整改任务共3项")


def test_migrate_sets_up_the_beat_schedules():
    daily = PeriodicTask.objects.get(task="inspections.send_reminders")
    weekly = PeriodicTask.objects.get(task="inspections.weekly_dispatch_report")
    assert (daily.crontab.hour, daily.crontab.minute, daily.crontab.day_of_week) == ("8", "30", "*")
    assert (weekly.crontab.hour, weekly.crontab.minute, weekly.crontab.day_of_week) == ("8", "0", "1")
    assert str(weekly.crontab.timezone) == "Asia/Shanghai"
    # An administrator's change survives the next migrate.
    weekly.enabled = False
    weekly.save()
    from inspections.schedules import ensure_schedules

    assert ensure_schedules() == 0
    weekly.refresh_from_db()
    assert weekly.enabled is False


def _figures_of(figures) -> tuple:
    return (
        figures.totals.as_dict(),
        [(r.id, r.name, r.findings, r.counts.as_dict()) for r in figures.rounds],
        [(u.id, u.name, u.counts.as_dict()) for u in figures.units],
    )


def test_the_week_from_the_snapshot_equals_the_week_replayed_from_the_events(history):
    ledger, t = history
    with at(date(2026, 6, 20)):
        figures_backfill(start=WEEK_1, end=WEEK_2)
        assert snapshot_holds(WEEK_2)  # nothing written since the end of week 2
        assert not snapshot_holds(WEEK_1)  # a task was created (06-10) after the end of week 1
        assert not snapshot_holds(WEEK_2 + timedelta(days=1))  # no snapshot of that day
        replayed = dispatch_figures(WEEK_2, from_snapshot=False)
        from_snapshot = dispatch_figures(WEEK_2, from_snapshot=True)
        assert _figures_of(from_snapshot) == _figures_of(replayed) == _figures_of(dispatch_figures(WEEK_2))
        central, provincial = from_snapshot.rounds
        assert (central.counts.complete, central.counts.complete_week, central.counts.overdue) == (3, 1, 0)
        assert provincial.counts.total == 3
    with at(date(2026, 6, 21)):
        finish(ledger, t["soon"])  # a write after the snapshot was built: it no longer tells its tasks' state
        assert not snapshot_holds(WEEK_2)
        assert _figures_of(dispatch_figures(WEEK_2)) == _figures_of(replayed)


def test_on_the_demo_data_both_paths_give_the_same_figures_for_every_day_of_a_month():
    today = date(2026, 11, 23)
    with at(today, 7):
        DemoBuilder(today=today).build()
    with at(today, 18):
        days = [today - timedelta(days=n) for n in range(1, 31)]
        figures_backfill(start=days[-1], end=days[0])
        weeks_with_news = 0
        for day in days:
            replayed = dispatch_figures(day, from_snapshot=False)
            assert _figures_of(dispatch_figures(day, from_snapshot=True)) == _figures_of(replayed), day
            # 本周销号 looks only at the tasks whose status moved in the week: the same as over every task.
            signed_off = tasks_as_of(day).filter(status_as_of__in=SIGNED_OFF)
            signed_off = signed_off.filter(Q(status_before__isnull=True) | ~Q(status_before__in=SIGNED_OFF))
            assert sorted(r["pk"] for r in replayed.closed_week) == sorted(signed_off.values_list("pk", flat=True))
            weeks_with_news += replayed.totals.complete_week > 0
        assert weeks_with_news > 0  # the comparison covered weeks in which tasks were completed
