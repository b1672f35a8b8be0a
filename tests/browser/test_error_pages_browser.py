"""A signed-in user who follows a dead or foreign link sees the product's own 404 page (with the menu), in
Chinese, without a Content-Security-Policy violation, at desktop and phone widths."""

import pytest
from i18n_data import bureau_with_one_task
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rectify@2026-test"


@pytest.mark.parametrize("width", [1280, 390])
def test_dead_link_shows_the_chinese_404_page(page, live_server, settings, screenshot_dir, width):
    settings.DEBUG = False
    bureau_with_one_task(password=PASSWORD)
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_attached()

    response = page.goto(f"{live_server.url}/tasks/999999/")

    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    page.get_by_role("link", name="返回首页").click()
    expect(page).not_to_have_url(f"{live_server.url}/tasks/999999/")
    page.goto(f"{live_server.url}/tasks/999999/")
    page.screenshot(path=screenshot_dir / f"error-404-{width}.png", full_page=True)
