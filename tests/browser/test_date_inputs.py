"""Date inputs show yyyy-mm-dd in Chinese and in English, with the vendored calendar in the page's language
(issue 18 item 12); at 1366 px and 390 px, with screenshots."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from factories import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390])
def test_date_input_is_yyyy_mm_dd_with_a_calendar_in_the_page_language(page, live_server, screenshot_dir, width):
    World(units=("city",), users=("bureau",))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "duchaban")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    for language, month_word in (("zh-hans", "月"), ("en", None)):
        if language == "en":
            toggler = page.locator(".navbar-toggler")
            if toggler.is_visible():  # 390 px: the language select is in the collapsed menu
                toggler.click()
            with page.expect_navigation():
                page.select_option("select[name=language]", "en")
            expect(page.locator("html")).to_have_attribute("lang", "en")
        page.goto(live_server.url + reverse("inspections:round_create"))
        expect(page.locator("html")).to_have_attribute("lang", language)
        field = page.locator("#id_feedback_date")
        expect(field).to_have_attribute("type", "text")
        expect(field).to_have_attribute("placeholder", "yyyy-mm-dd")
        field.click()
        calendar = page.locator(".flatpickr-calendar.open")
        expect(calendar).to_be_visible()
        months = calendar.locator(".flatpickr-monthDropdown-months")
        label = months.locator("option").first.inner_text()
        if month_word:
            assert month_word in label, label  # 一月
        else:
            assert label == "January", label
        page.wait_for_timeout(400)  # the calendar fades in
        page.screenshot(path=screenshot_dir / f"date-input-{language}-{width}.png")
        calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)").nth(14).click()
        assert re.fullmatch(r"\d{4}-\d{2}-15", field.input_value()), field.input_value()
        field.fill("2026-12-03")  # typing works as well
        field.press("Tab")
        assert field.input_value() == "2026-12-03"
