"""Bureau staff ask for a past week's dispatch report, read it, and print it."""

import pytest
from django.utils import timezone
from one_task_ledger import PASSWORD, one_task_ledger

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_bureau_generates_reads_and_prints_a_report(page, live_server, screenshot_dir, eager_celery):
    today = timezone.localdate()
    one_task_ledger()
    page.goto(f"{live_server.url}/accounts/login/?next=/reports/")
    page.fill("input[name=username]", "duchaban")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url("**/reports/")
    login_errors = len(page.console_errors)  # the login page is not this feature's (its favicon request 404s)
    page.fill("input[name=report_date]", today.isoformat())
    page.get_by_role("button", name="生成通报").click()
    page.wait_for_url("**/reports/*/")
    narrative = page.get_by_test_id("narrative")
    narrative.wait_for()
    assert "第二轮中央生态环境保护督察整改任务共1项，已完成0项" in narrative.inner_text()
    assert page.get_by_role("link", name="下载 Excel").is_visible()
    page.screenshot(path=screenshot_dir / "dispatch-report.png", full_page=True)

    page.emulate_media(media="print")
    assert not page.locator(".app-navbar").is_visible()
    page.screenshot(path=screenshot_dir / "dispatch-report-print.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(media="screen")
    page.screenshot(path=screenshot_dir / "dispatch-report-phone.png", full_page=True)
    assert page.console_errors[login_errors:] == []
