"""督办 in the browser: the bureau issues a 督办通知 from a suggestion (pre-filled), the unit sees it and
replies with a file, the reply shows in the task's timeline; the ranking page on a 390 px phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Role, UnitKind
from accounts.services import unit_create, user_create
from inspections import services
from inspections.choices import PeriodKind, RoundKind
from inspections.models import SupervisionAction
from inspections.supervision.scoring import period_bounds, scores_store
from inspections.supervision.suggestions import suggestions_compute

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rectify@2026-test"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def default_rules():
    """A transactional test starts from a flushed database: put back the migration's default rule tables."""
    import importlib

    from django.apps import apps

    importlib.import_module("inspections.migrations.0013_supervision").default_rules(apps, None)


@pytest.fixture
def world():
    default_rules()
    today = timezone.localdate()
    county = unit_create(name="某某县", code="C01", kind=UnitKind.BUREAU)
    water = unit_create(name="县水务局", code="D01", kind=UnitKind.DEPARTMENT, parent=county)
    town = unit_create(name="南山镇", code="T01", kind=UnitKind.TOWNSHIP, parent=county)
    staff = user_create(username="staff", password=PASSWORD, role=Role.BUREAU, unit=county, full_name="王督察")
    leader = user_create(username="boss", password=PASSWORD, role=Role.LEADER, full_name="张副县长")
    user_create(username="water", password=PASSWORD, role=Role.UNIT, unit=water, full_name="李联络员")
    inspection_round = services.round_create(actor=staff, kind=RoundKind.PROVINCIAL, batch=1, name="省级督察")
    finding = services.finding_create(
        actor=staff,
        inspection_round=inspection_round,
        summary="城区污水管网雨污混接",
        responsible_leader=leader,
        tasks=[
            {
                "lead_unit": water,
                "deadline_text": str(today + timedelta(days=300)),
                "assigned_on": today - timedelta(days=60),
            },
            {
                "lead_unit": town,
                "deadline_text": str(today + timedelta(days=300)),
                "assigned_on": today - timedelta(days=60),
            },
        ],
    )
    suggestions_compute(today=today)  # both 17% behind: yellow → 督办通知
    start, end = period_bounds(PeriodKind.QUARTER, today)
    scores_store(kind=PeriodKind.QUARTER, start=start, end=end)
    return {"task": finding.tasks.get(lead_unit=water), "water": water}


def log_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_attached()


def test_notice_from_suggestion_reply_with_file_and_timeline(page, live_server, world, screenshot_dir, tmp_path):
    base = live_server.url
    task = world["task"]
    log_in(page, base, "staff")
    page.goto(f"{base}/supervision/suggestions/")
    row = page.get_by_test_id(f"suggestion-{task.pk}")
    expect(row).to_contain_text("督办通知")
    row.get_by_test_id("issue-suggestion").click()
    expect(page.get_by_test_id("from-suggestion")).to_be_visible()
    expect(page.locator("#id_kind")).to_have_value("notice")
    page.screenshot(path=str(screenshot_dir / "supervision-issue-prefilled.png"), full_page=True)
    page.get_by_test_id("submit-issue").click()
    expect(page.get_by_test_id("doc-number")).to_contain_text("督办〔")
    action = SupervisionAction.objects.get()

    log_in(page, base, "water")
    page.goto(f"{base}/supervision/")
    page.get_by_role("link", name=action.doc_number).click()
    page.fill("#id_text", "已完成管网排查，正在实施雨污分流改造。")
    reply_file = tmp_path / "整改情况报告.pdf"
    reply_file.write_bytes(PDF_BYTES)
    page.set_input_files("#id_files", str(reply_file))
    page.get_by_test_id("reply-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("reply-text")).to_contain_text("雨污分流")
    expect(page.get_by_role("link", name="整改情况报告.pdf")).to_be_visible()
    page.goto(f"{base}/tasks/{task.pk}/")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("督办回复")
    expect(timeline).to_contain_text(action.doc_number)
    page.screenshot(path=str(screenshot_dir / "supervision-task-timeline.png"), full_page=True)

    # The unit's own 督办 timeline, from the action page: the action and the reply, once each.
    page.goto(f"{base}{action.get_absolute_url()}")
    page.get_by_test_id("unit-timeline-link").click()
    unit_timeline = page.get_by_test_id("unit-timeline")
    expect(unit_timeline.get_by_test_id("timeline-issued")).to_contain_text(action.doc_number)
    expect(unit_timeline.get_by_test_id("timeline-reply")).to_contain_text("雨污分流")
    expect(unit_timeline.get_by_test_id("timeline-created").first).to_contain_text(task.code)
    page.screenshot(path=str(screenshot_dir / "supervision-unit-timeline.png"), full_page=True)


def test_ranking_on_a_phone(browser, live_server, world, screenshot_dir):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    log_in(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/supervision/ranking/")
    ranking = page.get_by_test_id("ranking")
    expect(ranking).to_contain_text("县水务局")
    ranking.locator("summary").first.click()
    expect(ranking.locator("table").first).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    page.screenshot(path=str(screenshot_dir / "supervision-ranking-390.png"), full_page=True)
    context.close()
    assert width <= 390


def test_issue_form_reloads_the_tasks_of_the_unit_chosen(page, live_server, world, screenshot_dir):
    base = live_server.url
    water_task = world["task"]
    town_task = water_task.finding.tasks.exclude(pk=water_task.pk).get()
    log_in(page, base, "staff")
    page.goto(f"{base}/supervision/new/")
    expect(page.get_by_test_id("no-tasks")).to_be_visible()
    page.select_option("#id_target_unit", str(town_task.lead_unit_id))
    expect(page.locator(f"#id_tasks option[value='{town_task.pk}']")).to_be_attached()
    expect(page.locator(f"#id_tasks option[value='{water_task.pk}']")).to_have_count(0)
    page.select_option("#id_target_unit", str(world["water"].pk))
    expect(page.locator(f"#id_tasks option[value='{water_task.pk}']")).to_be_attached()
    expect(page.locator(f"#id_tasks option[value='{town_task.pk}']")).to_have_count(0)
    page.select_option("#id_tasks", str(water_task.pk))
    page.screenshot(path=str(screenshot_dir / "supervision-issue-unit-tasks.png"), full_page=True)
    page.get_by_test_id("submit-issue").click()
    expect(page.get_by_test_id("doc-number")).to_contain_text("督办〔")
    action = SupervisionAction.objects.get()
    assert action.target_unit_id == world["water"].pk and list(action.tasks.all()) == [water_task]
