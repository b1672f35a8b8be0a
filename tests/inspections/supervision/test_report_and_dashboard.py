"""The dispatch report's 督办约谈 section and sentence, and the dashboard's supervision panel."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from inspections.choices import SupervisionKind
from inspections.models import DispatchReport
from inspections.reports.services import dispatch_report_build
from inspections.supervision import selectors, services

K = SupervisionKind


def issue(ledger, kind, unit, day, **extra):
    if kind == K.INTERVIEW:
        extra.update(target_person="王镇长", interview_at=timezone.now(), interview_place="区政府")
    return services.action_issue(
        actor=ledger.bureau, kind=kind, target_unit=unit, tasks=[ledger.task(lead_unit=unit)], issued_on=day, **extra
    )


def test_sentence_counts_the_week(ledger):
    day = date(2026, 5, 10)
    for _i in range(3):
        issue(ledger, K.NOTICE, ledger.water, day - timedelta(days=2))
    issue(ledger, K.NOTICE, ledger.water, day - timedelta(days=20))  # before the week: to date only
    issue(ledger, K.INTERVIEW, ledger.town, day - timedelta(days=1))
    issue(ledger, K.INTERVIEW, ledger.town, day - timedelta(days=1))  # the same unit: one unit interviewed
    figures = selectors.supervision_figures(start=day - timedelta(days=6), end=day)
    assert figures.period[K.NOTICE] == 3 and figures.to_date[K.NOTICE] == 4
    assert selectors.supervision_sentence(figures) == "本周下发督办通知3份，约谈单位1家。"


def test_report_has_the_section_and_the_sentence(ledger, client):
    today = timezone.localdate()
    issue(ledger, K.NOTICE, ledger.water, today, reply_due=today)
    issue(ledger, K.LETTER, ledger.water, today - timedelta(days=30), reply_due=today - timedelta(days=3))
    report = DispatchReport.objects.create(report_date=today)
    report = dispatch_report_build(report_id=report.pk)
    assert "本周下发督办通知1份" in report.narrative
    section = report.data["supervision"]
    assert section["period"][K.NOTICE] == 1 and section["to_date"][K.LETTER] == 1
    assert section["reply_overdue"] == 1 and section["overdue_replies"][0]["days"] == 3
    client.force_login(ledger.leader)
    page = client.get(reverse("inspections:report_detail", args=[report.pk])).content.decode()
    assert 'data-testid="report-supervision"' in page


def test_dashboard_panel_links_and_scope(ledger, client):
    today = timezone.localdate()
    issue(ledger, K.NOTICE, ledger.plant, today)
    issue(ledger, K.NOTICE, ledger.town, today)
    client.force_login(ledger.leader)
    page = client.get(reverse("inspections:dashboard")).content.decode()
    assert 'data-testid="supervision-panel"' in page
    panel = selectors.dashboard_panel(user=ledger.leader)
    notice = next(r for r in panel.figures.rows if r["kind"] == K.NOTICE)
    assert notice["period"] == 2 and "kind=notice" in notice["period_url"]
    mine = selectors.dashboard_panel(user=ledger.water_user)  # the plant is within the water department
    assert next(r for r in mine.figures.rows if r["kind"] == K.NOTICE)["period"] == 1
    assert all(r["kind"] != K.ACCOUNTABILITY for r in mine.figures.rows)
