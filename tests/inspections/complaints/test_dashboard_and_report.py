"""The complaint rates where a leader reads them: the dashboard's 群众投诉 panel (each figure a link to the case list
holding exactly its cases) and the weekly dispatch report's 群众投诉 section (page, workbook, narrative sentence)."""

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from inspections.choices import CaseVerdict, FollowUpResult
from inspections.complaints import selectors, services
from inspections.models import ComplaintCase, DispatchReport
from inspections.reports.services import dispatch_report_build

pytestmark = pytest.mark.django_db

TODAY = date(2024, 5, 20)  # the batch of 2024-05-06 replied by 05-16: what awaits a reply is overdue


def hand_example(complaints):
    """The hand-computed example of test_figures: 6 received, 5 accepted, 3 concluded, 3 called back, 2 satisfied,
    and one repeat counted nowhere. Everything lies with the water department except one case of the township."""
    w = complaints.world

    def concluded(result, unit=None):
        case = complaints.assigned(unit)
        user = w.town_user if unit == w.town else w.water_user
        case = services.case_report_investigation(
            actor=user, case=case, investigation="已核实", verdict=CaseVerdict.TRUE, penalty_cases=1, fine_amount="3.5"
        )
        case = services.case_close(actor=user, case=case)
        services.case_follow_up(actor=w.bureau, case=case, result=result)
        return case

    first = concluded(FollowUpResult.SATISFIED)
    concluded(FollowUpResult.BASICALLY)
    concluded(FollowUpResult.UNSATISFIED, unit=w.town)
    complaints.assigned()  # investigating
    complaints.case()  # not yet assigned
    services.case_decline(actor=w.bureau, case=complaints.case(), reason="非本辖区")
    repeat = complaints.case()
    ComplaintCase.objects.filter(pk=repeat.pk).update(repeat_of=first)


def listed(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["total"]


@time_machine.travel(TODAY, tick=False)
def test_dashboard_panel_shows_the_rates_and_every_figure_links_to_its_cases(complaints, client):
    hand_example(complaints)
    leader = complaints.world.leader
    client.force_login(leader)
    page = client.get(reverse("inspections:dashboard"))
    html = page.content.decode()
    assert 'data-testid="complaints-panel"' in html
    assert "共接待群众投诉6起，受理率、办结率、群众满意率分别为83.3%、60%、66.7%。" in html
    panel = page.context["complaints"]
    r = panel.rates
    assert (r.received, r.repeats, r.accepted, r.concluded, r.followed_up, r.satisfied, r.overdue) == (
        6,
        1,
        5,
        3,
        3,
        2,
        3,
    )
    for name in ("cases", "repeats", "received", "accepted", "concluded", "followed_up", "satisfied", "overdue"):
        assert listed(client, panel.links[name]) == getattr(r, name), name
    # The list keeps a figure's several statuses selected, so filtering further starts from the same cases.
    accepted = client.get(panel.links["accepted"]).content.decode()
    assert 'name="status" id="id_status" class="form-select form-select-sm" multiple' in accepted


@time_machine.travel(TODAY, tick=False)
def test_dashboard_panel_follows_the_user_scope_and_the_dashboard_filters(complaints, client):
    hand_example(complaints)
    w = complaints.world
    town = selectors.dashboard_panel(user=w.town_user)
    assert (town.rates.received, town.rates.concluded, town.rates.satisfied) == (1, 1, 0)
    client.force_login(w.town_user)
    assert listed(client, town.links["concluded"]) == 1
    # The leader narrowing the dashboard to the township: the panel and its links say the same.
    client.force_login(w.leader)
    page = client.get(reverse("inspections:dashboard"), {"unit": w.town.pk, "round": complaints.round.pk})
    panel = page.context["complaints"]
    assert panel.rates.received == 1 and f"lead_unit={w.town.pk}" in panel.links["received"]
    assert listed(client, panel.links["received"]) == 1
    # Another round holds no case: the panel says so instead of showing 0 %.
    page = client.get(reverse("inspections:dashboard"), {"round": w.round.pk})
    assert page.context["complaints"].rates.cases == 0
    assert "暂无交办件" in page.content.decode()
    # Looking back to a past day: the task figures are rebuilt, the complaint panel says it is live.
    page = client.get(reverse("inspections:dashboard"), {"as_of": "2024-05-10"}).content.decode()
    assert 'data-testid="panel-complaints-live"' in page


@time_machine.travel(TODAY, tick=False)
def test_dispatch_report_has_the_complaints_section_workbook_sheet_and_sentence(complaints, client):
    hand_example(complaints)
    report = DispatchReport.objects.create(report_date=TODAY)
    report = dispatch_report_build(report_id=report.pk)
    sentence = "共接待群众投诉6起，受理率、办结率、群众满意率分别为83.3%、60%、66.7%。"
    assert report.narrative.endswith(sentence)
    section = report.data["complaints"]
    assert section["totals"]["received"] == 6 and section["totals"]["acceptance_rate"] == 83.3
    assert [r["name"] for r in section["rounds"]] == [complaints.round.name]
    assert section["received_week"] == 0  # the batch came on 05-06, before the week 05-14..05-20
    assert "立案处罚3起、罚款10.5万元" in section["handling_sentence"]

    client.force_login(complaints.world.leader)
    page = client.get(reverse("inspections:report_detail", args=[report.pk])).content.decode()
    assert 'data-testid="report-complaints"' in page and sentence in page

    wb = load_workbook(Path(settings.EXPORT_ROOT) / report.file_path)
    ws = wb["群众投诉"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2][0].startswith(sentence)
    header = rows[4]
    assert header[:2] == ("序号", "督察轮次") and "受理率（%）" in header
    total = next(row for row in rows if row[1] == "合计")
    assert total[header.index("受理量")] == 6 and total[header.index("受理率（%）")] == 83.3
    assert total[header.index("满意率（%）")] == 66.7
    assert sentence in wb["总体情况"]["A3"].value


@time_machine.travel(TODAY, tick=False)
def test_dispatch_report_without_complaints_has_no_section(ledger):
    report = dispatch_report_build(report_id=DispatchReport.objects.create(report_date=TODAY).pk)
    assert report.data["complaints"] is None and "群众投诉" not in report.narrative
    assert "群众投诉" not in load_workbook(Path(settings.EXPORT_ROOT) / report.file_path).sheetnames


@time_machine.travel(TODAY, tick=False)
def test_dashboard_api_carries_the_same_rates(complaints):
    from rest_framework.test import APIClient

    hand_example(complaints)
    client = APIClient()
    client.force_authenticate(complaints.world.leader)
    body = client.get("/api/dashboard/").json()["complaints"]
    assert (body["received"], body["accepted"], body["concluded"], body["satisfied"]) == (6, 5, 3, 2)
    assert body["conclusion_rate"] == 60.0
    assert body["sentence"] == "共接待群众投诉6起，受理率、办结率、群众满意率分别为83.3%、60%、66.7%。"
    client.force_authenticate(complaints.world.town_user)
    assert client.get("/api/dashboard/").json()["complaints"]["received"] == 1


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice (soffice) is not installed"
)
@time_machine.travel(TODAY, tick=False)
def test_libreoffice_opens_the_reports_complaints_sheet(complaints, tmp_path):
    hand_example(complaints)
    report = dispatch_report_build(report_id=DispatchReport.objects.create(report_date=TODAY).pk)
    source = tmp_path / "dispatch.xlsx"
    source.write_bytes((Path(settings.EXPORT_ROOT) / report.file_path).read_bytes())
    out = tmp_path / "csv"
    result = subprocess.run(
        [
            shutil.which("soffice") or shutil.which("libreoffice"),
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
    sheet = next(out.glob("*群众投诉*.csv")).read_text(encoding="utf-8")
    assert "共接待群众投诉6起" in sheet and ",合计,6,1,5,3,3,2,3,83.3,60" in sheet
