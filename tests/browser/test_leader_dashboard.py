"""A leader opens the dashboard in Chromium: charts render, figures match the database, links lead to the list."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from inspections import services
from inspections.choices import Category, EvidenceKind, RoundKind
from inspections.demo.realistic import TINY_PDF
from inspections.demo.units import DEMO_PASSWORD, ensure_units, ensure_users
from inspections.models import RectificationTask

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("chart-category", "chart-units", "chart-trend", "chart-warning")


@pytest.fixture
def ledger():
    """A round with overdue, due-soon, in-progress and completed tasks in three units, made through services."""
    units = ensure_units()
    users = ensure_users(units)
    bureau, leader = users["duchaban"], users["leader"]
    today = timezone.localdate()
    assigned = today - timedelta(days=90)
    inspection_round = services.round_create(
        actor=bureau,
        kind=RoundKind.CENTRAL,
        batch=3,
        name="第三轮中央生态环境保护督察",
        feedback_date=assigned - timedelta(days=10),
    )
    plans = [
        (Category.WATER, "河道黑臭整治不到位", "ZJ", [-20, -5, 200]),
        (Category.AIR, "工地扬尘管控缺失", "NSZ", [7, 120]),
        (Category.SOIL, "化工园区土壤污染", "SW", [60, 30, -40]),
    ]
    for category, summary, unit, offsets in plans:
        services.finding_create(
            actor=bureau,
            inspection_round=inspection_round,
            summary=summary,
            category=category,
            responsible_leader=leader,
            tasks=[
                {
                    "lead_unit": units[unit],
                    "assigned_on": assigned,
                    "deadline_text": (today + timedelta(days=days)).isoformat(),
                }
                for days in offsets
            ],
        )
    # Complete two of them the way the units and the bureau would.
    for unit in (units["NSZ"], units["SW"]):
        task = RectificationTask.objects.filter(lead_unit=unit).order_by("-pk").first()
        contact = unit.users.filter(role="unit").order_by("pk").first()
        services.task_evidence_add(
            actor=contact,
            task=task,
            kind=EvidenceKind.ACCEPTANCE,
            files=[SimpleUploadedFile("验收报告.pdf", TINY_PDF, content_type="application/pdf")],
        )
        task = services.task_submit(actor=contact, task=task, reason="主体工程完工，扫尾中")
        services.task_verify(actor=bureau, task=task)
    return users


def log_in(page, live_server, username):
    """Open the dashboard, get sent to the login page, log in and land back on the dashboard."""
    page.goto(f"{live_server.url}{reverse('inspections:dashboard')}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{reverse('inspections:dashboard')}")


def open_dashboard(page, live_server):
    if not page.url.endswith(reverse("inspections:dashboard")):
        page.goto(f"{live_server.url}{reverse('inspections:dashboard')}")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart} canvas, #{chart} svg", state="attached")


def figure(page, key) -> str:
    return page.locator(f'[data-testid="figure-{key}"] [data-testid="figure-value"]').inner_text()


def test_leader_sees_charts_and_figures_that_match_the_database(ledger, live_server, page, screenshot_dir):
    log_in(page, live_server, "leader")

    open_dashboard(page, live_server)

    tasks = RectificationTask.objects.all()
    today = timezone.localdate()
    assert figure(page, "total") == str(tasks.count())
    assert figure(page, "complete") == str(tasks.complete().count())
    assert figure(page, "overdue") == str(tasks.overdue(today).count())
    assert figure(page, "due_soon") == str(tasks.due_within(14, today).count())
    for chart in CHARTS:
        assert page.locator(f"#{chart} canvas").count() >= 1, chart
    assert page.locator('[data-testid="overdue-row"]').count() == tasks.overdue(today).count()
    assert page.locator('[data-testid="round-row"]').count() == 1
    page.screenshot(path=screenshot_dir / "dashboard-1280.png", full_page=True)
    assert page.console_errors == []


def test_dashboard_is_readable_on_a_phone(ledger, live_server, page, screenshot_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "leader")

    open_dashboard(page, live_server)

    # Nothing wider than the screen: no sideways scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The charts were sized to the narrow screen (ECharts draws a canvas as wide as its container).
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('.dashboard-chart canvas')).map(c => c.getBoundingClientRect().width)"
    )
    assert widths and max(widths) <= 390
    page.screenshot(path=screenshot_dir / "dashboard-390.png", full_page=True)
    assert page.console_errors == []


def test_charts_follow_a_window_resize(ledger, live_server, page):
    log_in(page, live_server, "leader")
    open_dashboard(page, live_server)
    wide = page.evaluate("document.querySelector('#chart-trend canvas').getBoundingClientRect().width")

    page.set_viewport_size({"width": 600, "height": 900})
    # A function, not an expression string: Playwright evaluates strings with eval, which the page's
    # Content-Security-Policy (no 'unsafe-eval') refuses.
    page.wait_for_function(
        "wide => document.querySelector('#chart-trend canvas').getBoundingClientRect().width < wide",
        arg=wide,
        timeout=5000,
    )

    assert page.console_errors == []


def test_unit_user_dashboard_counts_only_its_subtree(ledger, live_server, page):
    log_in(page, live_server, "nanshan")

    open_dashboard(page, live_server)

    from inspections.access import visible_tasks

    nanshan = ledger["nanshan"]
    assert figure(page, "total") == str(visible_tasks(nanshan).count())
    assert int(figure(page, "total")) < RectificationTask.objects.count()
    assert page.console_errors == []


def test_following_a_figure_gives_a_list_with_the_same_count(ledger, live_server, page):
    log_in(page, live_server, "leader")
    open_dashboard(page, live_server)

    for key in ("overdue", "complete", "due_soon"):
        expected = figure(page, key)
        page.click(f'[data-testid="figure-{key}"]')
        page.wait_for_selector('[data-testid="result-count"]')
        shown = page.locator('[data-testid="result-count"]').inner_text()
        assert re.search(r"\d+", shown).group() == expected, key
        page.go_back()
        page.wait_for_selector('[data-testid="headline"]')

    assert page.console_errors == []
