"""The screens that needed changes for the strict Content-Security-Policy still work under it.

The `page` fixture fails any test during which Chromium blocked something under the policy, so each
test here drives the feature that used to rely on inline script or style: the report's print button,
the report page reloading itself when its build finishes, chart tooltips, Swagger UI and the admin.
"""

import pytest
from django.urls import reverse
from django.utils import timezone
from one_task_ledger import PASSWORD, one_task_ledger

from accounts.choices import Role
from accounts.services import unit_create, user_create
from inspections.choices import JobStatus
from inspections.models import RectificationTask
from inspections.reports.services import dispatch_report_build, dispatch_report_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bureau(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return one_task_ledger()


def no_favicon(page):
    """The admin declares no favicon, so Chromium's automatic /favicon.ico request would log a 404."""
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))


def log_in(page, live_server, username, next_url):
    page.goto(f"{live_server.url}{reverse('login')}?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"**{next_url}")


def test_report_page_reloads_itself_when_the_build_finishes(page, live_server, bureau, monkeypatch):
    queued = []  # the broker: the build waits here until the "worker" below runs it
    monkeypatch.setattr(
        "inspections.reports.tasks.build_dispatch_report.apply_async", lambda args, **options: queued.extend(args)
    )
    report, _ = dispatch_report_request(actor=bureau, day=timezone.localdate())
    assert queued == [report.pk]
    log_in(page, live_server, "duchaban", report.get_absolute_url())
    page.get_by_text("通报正在生成").wait_for()
    assert page.get_by_test_id("narrative").count() == 0

    dispatch_report_build(report_id=report.pk)

    # The next status poll (every 3 s) answers HX-Refresh and htmx reloads the page.
    page.get_by_test_id("narrative").wait_for(timeout=15000)
    assert "第二轮中央生态环境保护督察整改任务共1项" in page.get_by_test_id("narrative").inner_text()
    assert page.get_by_text("通报正在生成").count() == 0
    assert page.console_errors == []


def test_report_print_button_opens_the_print_dialog(page, live_server, bureau):
    report, _ = dispatch_report_request(actor=bureau, day=timezone.localdate())
    if report.status != JobStatus.DONE:  # Celery is not eager when the suite has a Redis
        report = dispatch_report_build(report_id=report.pk)
    # Headless Chromium has no print dialog: count the calls instead.
    page.add_init_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
    log_in(page, live_server, "duchaban", report.get_absolute_url())

    page.get_by_role("button", name="打印").click()

    assert page.evaluate("window.__printed") == 1
    assert page.console_errors == []


@pytest.mark.parametrize(
    "chart, expected",
    [
        ("chart-category", ["已完成", "未完成（未逾期）", "已逾期"]),
        ("chart-units", ["市水务局", "完成率", "0%（0/1）", "逾期"]),
        ("chart-warning", ["1 项（100%）"]),
    ],
)
def test_dashboard_chart_tooltips_show_on_hover(page, live_server, bureau, screenshot_dir, chart, expected):
    """ECharts' own tooltip markup has style= attributes; dashboard.js builds the tooltip as DOM nodes."""
    log_in(page, live_server, "duchaban", reverse("inspections:dashboard"))
    canvas = page.locator(f"#{chart} canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    tooltip = page.locator(f"#{chart} .chart-tip")
    for x, y in ((0.5, 0.6), (0.3, 0.5), (0.7, 0.5), (0.5, 0.2), (0.5, 0.8)):  # over a bar / the ring
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
        if tooltip.is_visible():
            break
    tooltip.wait_for(state="visible", timeout=3000)
    for text in expected:
        assert text in tooltip.inner_text(), text
    page.screenshot(path=screenshot_dir / f"csp-dashboard-tooltip-{chart}.png")
    assert page.console_errors == []


def test_admin_change_page_with_autocomplete_saves(page, live_server, bureau, screenshot_dir):
    user_create(username="admin", password=PASSWORD, role=Role.ADMIN, is_superuser=True, is_staff=True)
    other = unit_create(name="市住房和城乡建设局", code="ZJ", kind="department")
    task = RectificationTask.objects.get()
    change_url = reverse("admin:inspections_rectificationtask_change", args=[task.pk])
    no_favicon(page)
    log_in(page, live_server, "admin", reverse("admin:index"))
    page.goto(f"{live_server.url}{change_url}")

    # The lead-unit field is a select2 autocomplete (jQuery-built markup, fetched over XHR).
    page.locator("#id_lead_unit + .select2 .select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill("住房")
    page.locator(".select2-results__option", has_text="市住房和城乡建设局").click()
    page.screenshot(path=screenshot_dir / "csp-admin-change.png", full_page=True)
    page.locator("input[name=_continue]").click()

    page.wait_for_url(f"**{change_url}")
    page.locator(".messagelist .success").wait_for()
    task.refresh_from_db()
    assert task.lead_unit == other
    page.goto(f"{live_server.url}{reverse('admin:inspections_rectificationtask_changelist')}")
    page.goto(f"{live_server.url}{reverse('admin:inspections_rectificationtask_history', args=[task.pk])}")
    assert page.console_errors == []


def test_periodic_task_admin_form_explains_the_crontab(page, live_server, bureau):
    """django-celery-beat's form script, moved out of its inline <script>, still runs."""
    from django_celery_beat.models import CrontabSchedule

    user_create(username="admin", password=PASSWORD, role=Role.ADMIN, is_superuser=True, is_staff=True)
    crontab = CrontabSchedule.objects.create(minute="30", hour="8", day_of_week="1")
    no_favicon(page)
    log_in(page, live_server, "admin", reverse("admin:django_celery_beat_periodictask_add"))

    assert page.locator(".field-crontab_translation").is_hidden()
    page.select_option("#id_crontab", str(crontab.pk))
    help_text = page.locator(".field-crontab .help")
    assert "Translation: " + crontab.human_readable in help_text.inner_text()
    assert page.console_errors == []
