"""Keyboard only and text at 200 % (issue 18 item 16): a unit's day (sign in, find a task, report progress, upload
evidence, ask for closure) done with Tab, typing, Enter and Space alone; the main pages enlarged to 200 % keep
everything reachable with no horizontal scrolling of the page."""

from datetime import date

import pytest
from playwright.sync_api import expect

from factories import PASSWORD, World
from inspections import services
from inspections.choices import RoundKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world():
    world = World(units=("city", "water"), users=("bureau", "leader", "water_user"))
    inspection_round = services.round_create(
        actor=world.bureau,
        kind=RoundKind.CENTRAL,
        batch=2,
        name="第二轮中央生态环境保护督察",
        feedback_date=date(2024, 1, 10),
    )
    finding = services.finding_create(
        actor=world.bureau,
        inspection_round=inspection_round,
        summary="城区河道黑臭问题",
        tasks=[{"lead_unit": world.water, "deadline_text": "2024年12月31日前", "assigned_on": date(2024, 1, 1)}],
    )
    world.task = finding.tasks.get()
    return world


def tab_to(page, selector, *, limit=120):
    """Press Tab until `selector` has the focus (the keyboard's only way around a page)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {selector}")


def test_a_units_day_with_the_keyboard_alone(page, live_server, world, screenshot_dir):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(world.water_user.username)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("current-user")).to_be_attached()

    # Find the task: the skip link first, then from 我的待办 to the task's page.
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("skip-link")).to_be_focused()
    tab_to(page, f'main a[href="{world.task.get_absolute_url()}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{world.task.get_absolute_url()}")

    # Report progress.
    tab_to(page, "#id_text")
    page.keyboard.type("已完成截污管网 2 公里。")
    tab_to(page, "#id_percent")
    page.keyboard.type("100")  # a closure request below 100 % would need a reason (issue 15)
    tab_to(page, '[data-testid="progress-submit"]')
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("已完成截污管网 2 公里。")

    # Upload evidence: Space on the (visually hidden, focusable) file input opens the file chooser.
    tab_to(page, '[data-testid="evidence-files"]')
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files({"name": "验收报告.pdf", "mimeType": "application/pdf", "buffer": PDF})
    tab_to(page, '[data-testid="evidence-submit"]')
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("验收报告.pdf")

    # Ask for closure.
    tab_to(page, '[data-testid="action-submit"]')
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("task-status")).to_contain_text("已申请销号")
    page.screenshot(path=screenshot_dir / "keyboard-day-submitted.png", full_page=True)
    world.task.refresh_from_db()
    assert world.task.status == "submitted"


@pytest.mark.parametrize("username_key", ["water_user", "bureau"])
def test_main_pages_at_200_percent_zoom(browser, live_server, world, screenshot_dir, username_key):
    """A 1366 x 900 screen zoomed to 200 %: 683 x 450 CSS pixels at device scale 2, as the browser lays it out."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 683, "height": 450}, device_scale_factor=2)
    page = context.new_page()
    user = getattr(world, username_key)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_attached()
    pages = ["/todo/", "/tasks/", world.task.get_absolute_url(), "/dashboard/", "/rounds/", "/notifications/"]
    for url in pages:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (url, overflow)  # nothing cut off to the right of the page
        expect(page.locator("main h1").first).to_be_visible()
        toggler = page.locator(".navbar-toggler")
        expect(toggler).to_be_visible()  # the menu collapses behind its button, every item still reachable
        name = url.strip("/").replace("/", "-") or "home"
        page.screenshot(path=screenshot_dir / f"zoom200-{username_key}-{name}.png", full_page=True)
    toggler.click()
    expect(page.locator("#mainNav")).to_be_visible()
    context.close()


@pytest.mark.parametrize("width", [1366, 1280])
def test_the_bureaus_full_menu_fits_the_screen(page, live_server, world, screenshot_dir, width):
    """The bureau's menu (the longest) on a 1366 px (and 1280 px) screen: nothing pushed off the right edge."""
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", world.bureau.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_attached()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=screenshot_dir / f"menu-bureau-{width}.png")
    assert overflow <= 1
    for element in page.locator("nav a:visible, nav button:visible, nav select:visible").all():
        box = element.bounding_box()
        assert box is None or box["x"] + box["width"] <= width + 1, element.inner_text()
