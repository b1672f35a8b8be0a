"""The top bar's language select switches the whole UI to English and back, for this session."""

import re

import pytest
from django.urls import reverse
from i18n_data import bureau_with_one_task
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rectify@2026-test"


@pytest.fixture
def staff():
    return bureau_with_one_task(password=PASSWORD)


def test_language_select_switches_the_ui_to_english(page, live_server, staff, screenshot_dir):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    page.goto(live_server.url + reverse("inspections:task_list"))
    nav = page.locator("nav .navbar-nav").first
    expect(nav).to_contain_text("督察轮次")
    task_list_url = page.url

    page.select_option("select[name=language]", "en")

    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == task_list_url
    for label in ("Overview", "Tasks", "Rounds", "Reports", "Import"):
        expect(nav).to_contain_text(label)
    assert not re.search(r"[\u4e00-\u9fff]", nav.inner_text())
    expect(page.locator("thead")).to_contain_text("Lead unit")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_test_id("task-row")).to_contain_text("污水直排问题")  # data stays as entered
    page.screenshot(path=screenshot_dir / "language-switch-en.png", full_page=True)

    nav.get_by_role("link", name="Overview").click()  # the language stays for the session
    expect(page.get_by_role("heading", level=1)).to_have_text("Rectification overview")
    expect(page.locator("#chart-category canvas")).to_have_count(1)
    expect(page.locator("#chart-category")).not_to_contain_text("暂无数据")
    page.screenshot(path=screenshot_dir / "language-switch-en-dashboard.png", full_page=True)

    page.select_option("select[name=language]", "zh-hans")

    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(nav).to_contain_text("督察轮次")
    assert page.console_errors == []
