"""The top menu (issue 18 item 4): every role's menu fits one line on a 1366 px screen, the rarely used entries
under 「更多」 (a keyboard-operable dropdown with aria-expanded), and the 390 px collapsed menu still reaches them."""

import pytest
from playwright.sync_api import expect

from factories import PASSWORD, World
from rectify.navigation import nav_items

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("admin", "bureau", "leader", "water_user")

# The vertical extent of every top-level entry of the bar (brand, menu items, 更多, bell, user, language, 退出).
ROW_GEOMETRY = """() => {
  const nav = document.querySelector('.app-navbar');
  const items = [nav.querySelector('.navbar-brand'), ...nav.querySelectorAll('#mainNav > .navbar-nav > li')]
    .filter(e => e.offsetParent !== null)
    .map(e => e.getBoundingClientRect());
  const link = nav.querySelector('#mainNav .nav-link').getBoundingClientRect();
  return {
    navbar: nav.getBoundingClientRect().height,
    link: link.height,
    tops: items.map(r => r.top),
    bottoms: items.map(r => r.bottom),
    rights: items.map(r => r.right),
  };
}"""


@pytest.fixture
def world():
    return World(units=("city", "water"), users=ROLES)


def log_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_attached()


@pytest.mark.parametrize("who", ROLES)
def test_the_menu_is_one_line_at_1366(page, live_server, world, screenshot_dir, who):
    user = getattr(world, who)
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/tasks/")
    geometry = page.evaluate(ROW_GEOMETRY)
    page.screenshot(path=screenshot_dir / f"menu-1366-{who}.png", clip={"x": 0, "y": 0, "width": 1366, "height": 120})
    # One line: every entry starts above the lowest entry's top (no second row), and the bar is one link high plus
    # its padding (two lines would be at least two links high).
    assert max(geometry["tops"]) < min(geometry["bottoms"]), geometry
    assert geometry["navbar"] < 2 * geometry["link"], geometry
    assert max(geometry["rights"]) <= 1366, geometry
    # Every entry the role may open is still in the menu: on the bar or under 更多.
    items = nav_items(user)
    for item in items:
        assert page.locator(f'#mainNav a[href="{item["url"]}"]').count() == 1, item["url"]
    assert any(item["more"] for item in items) or user.is_staff
    more = page.get_by_test_id("nav-more")
    expect(more.locator(".dropdown-menu")).to_be_hidden()


def test_more_opens_with_the_keyboard(page, live_server, world, screenshot_dir):
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, live_server.url, world.bureau)
    toggle = page.locator("#nav-more-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    for _ in range(40):  # Tab from the top of the page to 更多
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "nav-more-toggle":
            break
    else:
        pytest.fail("Tab never reached 更多")
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    menu = page.get_by_test_id("nav-more").locator(".dropdown-menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="考核排名")).to_be_visible()
    page.screenshot(
        path=screenshot_dir / "menu-more-open-1366.png", clip={"x": 0, "y": 0, "width": 1366, "height": 420}
    )
    page.keyboard.press("ArrowDown")  # Bootstrap: arrow keys move through the items
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused in menu.inner_text()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    # The current page under 更多 marks 更多 and its entry.
    page.keyboard.press("Enter")
    menu.get_by_role("link", name="考核排名").press("Enter")
    expect(page.locator("#nav-more-toggle.active")).to_be_visible()
    expect(page.locator('.dropdown-item[aria-current="page"]')).to_have_count(1)


def test_the_collapsed_menu_reaches_more_at_390(page, live_server, world, screenshot_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, world.bureau)
    page.locator(".navbar-toggler").click()
    expect(page.locator("#mainNav")).to_be_visible()
    page.locator("#nav-more-toggle").click()
    link = page.get_by_test_id("nav-more").get_by_role("link", name="管理后台")
    expect(link).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    page.screenshot(path=screenshot_dir / "menu-more-390.png", full_page=True)
    page.get_by_test_id("nav-more").get_by_role("link", name="调度通报").click()
    expect(page).to_have_url(f"{live_server.url}/reports/")
