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


def build_with_actions(ledger):
    today = timezone.localdate()
    issue(ledger, K.NOTICE, ledger.water, today, reply_due=today)
    issue(ledger, K.NOTICE, ledger.town, today - timedelta(days=1))
    late = issue(ledger, K.LETTER, ledger.water, today - timedelta(days=30), reply_due=today - timedelta(days=3))
    issue(ledger, K.INTERVIEW, ledger.town, today - timedelta(days=2))
    report = dispatch_report_build(report_id=DispatchReport.objects.create(report_date=today).pk)
    return report, late


def supervision_rows(path):
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True)["督办约谈"]
    return [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]


def test_report_workbook_has_the_supervision_sheet(ledger):
    from pathlib import Path

    from django.conf import settings

    report, late = build_with_actions(ledger)
    rows = supervision_rows(Path(settings.EXPORT_ROOT) / report.file_path)
    by_label = {row[1]: row[2:] for row in rows if len(row) == 4 and isinstance(row[0], int)}
    assert by_label["督办通知"] == [2, 2] and by_label["专函督办"] == [0, 1] and by_label["约谈"] == [1, 1]
    assert ["合计", 3, 4] in rows
    assert ["本周约谈单位1家"] in rows
    assert ["逾期未回复的督办（1份）"] in rows
    overdue = [row for row in rows if late.doc_number in row]
    assert len(overdue) == 1 and overdue[0][2:4] == ["专函督办", ledger.water.name] and overdue[0][-1] == 3
    assert overdue[0][4].date() == timezone.localdate() - timedelta(days=3)


def test_libreoffice_opens_the_supervision_sheet(ledger, tmp_path):
    import shutil
    import subprocess
    from pathlib import Path

    import pytest
    from django.conf import settings

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed")
    report, late = build_with_actions(ledger)
    source = tmp_path / "dispatch.xlsx"
    source.write_bytes((Path(settings.EXPORT_ROOT) / report.file_path).read_bytes())
    out = tmp_path / "csv"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'lo'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",  # every sheet
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    sheet = next(out.glob("*督办约谈*.csv")).read_text(encoding="utf-8")
    due = (timezone.localdate() - timedelta(days=3)).isoformat()
    assert ",合计,3,4" in sheet and f"{late.doc_number},专函督办,{ledger.water.name},{due},3" in sheet
