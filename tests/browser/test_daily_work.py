"""A day's work in Chromium (issue 18): every role lands on 我的待办 with its count in the menu; the task
list's filters say what they filter (button labels, removable chips, a dashboard link's filters kept when
another filter changes). At 1366 px and 390 px, with screenshots."""

from datetime import date

import pytest
from playwright.sync_api import expect

from factories import PASSWORD, World, pdf
from inspections import services
from inspections.choices import EvidenceKind, RoundKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    world = World(units=("city", "water", "town"), users=("bureau", "leader", "water_user", "town_user"))
    inspection_round = services.round_create(
        actor=world.bureau,
        kind=RoundKind.CENTRAL,
        batch=2,
        name="第二轮中央生态环境保护督察",
        feedback_date=date(2024, 1, 10),
    )
    for n, (unit, deadline) in enumerate(
        [(world.water, "2024年12月31日前"), (world.water, "2099年6月底前"), (world.town, "2099年底前")], 1
    ):
        services.finding_create(
            actor=world.bureau,
            inspection_round=inspection_round,
            summary=f"城区河道黑臭问题{n}",
            tasks=[
                {
                    "lead_unit": unit,
                    "deadline_text": deadline,
                    "assigned_on": date(2024, 1, 1),
                    "measures": "截污纳管，清淤疏浚",
                }
            ],
        )
    submitted = inspection_round.findings.get(number=2).tasks.get()
    services.task_evidence_add(actor=world.water_user, task=submitted, files=[pdf()], kind=EvidenceKind.ACCEPTANCE)
    world.walk(submitted, "submitted")
    world.round = inspection_round
    return world


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_attached()


def open_menu(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()


@pytest.mark.parametrize("width", [1366, 390])
def test_unit_and_bureau_land_on_their_todo(page, live_server, world, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, world.water_user.username)
    expect(page).to_have_url(f"{live_server.url}/todo/")
    expect(page.get_by_test_id("todo-overdue").get_by_test_id("todo-count")).to_have_text("1")
    expect(page.get_by_test_id("todo-overdue")).to_contain_text("城区河道黑臭问题1")
    open_menu(page)
    expect(page.get_by_test_id("nav-count-todo")).to_have_text("1")
    page.screenshot(path=str(screenshot_dir / f"todo-unit-{width}.png"), full_page=True, caret="initial")

    page.context.clear_cookies()
    log_in(page, live_server.url, world.bureau.username)
    expect(page.get_by_test_id("todo-to_verify")).to_contain_text("城区河道黑臭问题2")
    page.screenshot(path=str(screenshot_dir / f"todo-bureau-{width}.png"), full_page=True, caret="initial")
    # "在任务列表中查看" lands on the list with the same tasks and the filter as a chip.
    page.get_by_test_id("todo-to_verify").get_by_role("link", name="在任务列表中查看").click()
    expect(page.get_by_test_id("chip-status")).to_contain_text("已申请销号")
    expect(page.get_by_test_id("task-row")).to_have_count(1)


@pytest.mark.parametrize("width", [1366, 390])
def test_filters_tell_the_truth(page, live_server, world, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, world.bureau.username)
    # A dashboard figure's link (已完成整改 = complete=true) with a filter the top row has no control for.
    page.goto(f"{live_server.url}/tasks/?complete=false")
    expect(page.get_by_test_id("chip-complete")).to_contain_text("已完成整改：否")
    expect(page.get_by_test_id("task-row")).to_have_count(3)
    more = page.get_by_role("button", name="更多筛选条件")
    if more.is_visible():
        more.click()
    expect(page.locator("select[name=complete]")).to_be_visible()
    # Tick two statuses: the button names them, and the hidden-before filter is still applied.
    page.get_by_test_id("filter-status").click()
    page.get_by_label("尚未启动").check()
    page.get_by_label("已申请销号").check()
    expect(page.get_by_test_id("filter-status")).to_have_text("尚未启动、已申请销号")
    expect(page.get_by_test_id("chip-status")).to_contain_text("尚未启动、已申请销号")
    expect(page.get_by_test_id("chip-complete")).to_be_visible()
    expect(page.get_by_test_id("task-row")).to_have_count(3)
    page.get_by_label("整改中").check()
    expect(page.get_by_test_id("filter-status")).to_have_text("已选 3 项")
    page.keyboard.press("Escape")
    page.screenshot(path=str(screenshot_dir / f"filters-chips-{width}.png"), full_page=True, caret="initial")
    # Remove a chip: that filter goes, the others stay.
    page.get_by_test_id("chip-complete").click()
    expect(page.get_by_test_id("chip-complete")).to_have_count(0)
    expect(page.get_by_test_id("chip-status")).to_be_visible()


@pytest.mark.parametrize("width", [1366, 390])
def test_edit_conflict_shows_theirs_and_mine_and_reapplies_mine(page, live_server, world, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    task = world.round.findings.get(number=3).tasks.get()
    log_in(page, live_server.url, world.bureau.username)
    page.goto(f"{live_server.url}/tasks/{task.pk}/edit/")
    page.get_by_label("整改目标").fill("我的目标：河道水质稳定达到Ⅳ类")
    services.task_update(actor=world.bureau, task=task, measures="他人修改的措施：新建截污管网5公里")
    page.get_by_test_id("task-save").click()
    conflict = page.get_by_test_id("edit-conflict")
    expect(conflict).to_contain_text("他人修改的措施")
    expect(page.get_by_test_id("conflict-goal")).to_contain_text("保留我的修改")
    expect(page.get_by_label("整改目标")).to_have_value("我的目标：河道水质稳定达到Ⅳ类")
    expect(page.get_by_label("整改措施")).to_have_value("他人修改的措施：新建截污管网5公里")
    page.screenshot(path=str(screenshot_dir / f"edit-conflict-{width}.png"), full_page=True, caret="initial")
    page.get_by_test_id("task-save").click()
    expect(page.locator("#messages")).to_contain_text("已保存整改任务")
    task.refresh_from_db()
    assert task.goal.startswith("我的目标") and task.measures.startswith("他人修改的措施")


@pytest.mark.parametrize("width", [1366, 390])
def test_todo_lists_supervision_for_unit_and_bureau(page, live_server, world, screenshot_dir, width):
    from datetime import timedelta

    from django.utils import timezone

    from inspections.choices import SupervisionKind
    from inspections.models import SuggestionRule
    from inspections.supervision import services as supervision
    from inspections.supervision.suggestions import suggestions_compute

    today = timezone.localdate()
    overdue_task = world.round.findings.get(number=1).tasks.get()
    far_task = world.round.findings.get(number=3).tasks.get()
    late = supervision.action_issue(
        actor=world.bureau,
        kind=SupervisionKind.NOTICE,
        target_unit=world.water,
        tasks=[overdue_task],
        issued_on=today - timedelta(days=20),
        reply_due=today - timedelta(days=5),
    )
    waiting = supervision.action_issue(
        actor=world.bureau,
        kind=SupervisionKind.LETTER,
        target_unit=world.water,
        tasks=[overdue_task],
        reply_due=today + timedelta(days=10),
    )
    town_late = supervision.action_issue(
        actor=world.bureau,
        kind=SupervisionKind.NOTICE,
        target_unit=world.town,
        tasks=[far_task],
        issued_on=today - timedelta(days=20),
        reply_due=today - timedelta(days=2),
    )
    # A transactional test's flush removes the rules the migration wrote: the red rule, as the bureau has it.
    SuggestionRule.objects.get_or_create(
        warning="red", times=1, defaults={"suggested_kind": SupervisionKind.INTERVIEW, "reply_days": 7}
    )
    suggestions_compute(today=today)  # the overdue task is red: a suggestion

    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, world.water_user.username)
    section = page.get_by_test_id("todo-awaiting_reply")
    expect(section.get_by_test_id("todo-count")).to_have_text("2")
    expect(section.get_by_test_id("todo-action")).to_have_count(2)
    expect(
        section.get_by_test_id("todo-action").filter(has_text=late.doc_number).get_by_test_id("reply-overdue")
    ).to_be_visible()
    expect(
        section.get_by_test_id("todo-action").filter(has_text=waiting.doc_number).get_by_test_id("reply-overdue")
    ).to_have_count(0)
    expect(page.get_by_text(town_late.doc_number)).to_have_count(0)
    open_menu(page)
    expect(page.get_by_test_id("nav-count-todo")).to_have_text("3")  # 1 overdue task + 2 actions awaiting the reply
    page.screenshot(path=str(screenshot_dir / f"todo-supervision-unit-{width}.png"), full_page=True, caret="initial")
    section.get_by_role("link", name=late.doc_number).click()
    expect(page).to_have_url(f"{live_server.url}{late.get_absolute_url()}")

    page.context.clear_cookies()
    log_in(page, live_server.url, world.bureau.username)
    overdue_replies = page.get_by_test_id("todo-reply_overdue")
    expect(overdue_replies.get_by_test_id("todo-count")).to_have_text("2")
    expect(overdue_replies).to_contain_text(late.doc_number)
    expect(overdue_replies).to_contain_text(town_late.doc_number)
    expect(overdue_replies).not_to_contain_text(waiting.doc_number)
    suggestions = page.get_by_test_id("todo-suggestions")
    expect(suggestions.get_by_test_id("todo-suggestion")).to_have_count(1)
    expect(suggestions).to_contain_text(overdue_task.code)
    open_menu(page)
    # 1 request to verify + 1 overdue task + 1 suggestion + 2 overdue replies
    expect(page.get_by_test_id("nav-count-todo")).to_have_text("5")
    page.screenshot(path=str(screenshot_dir / f"todo-supervision-bureau-{width}.png"), full_page=True, caret="initial")
    suggestions.get_by_role("link", name=f"下发督办（任务 {overdue_task.code}）").click()
    expect(page.get_by_test_id("from-suggestion")).to_be_visible()
