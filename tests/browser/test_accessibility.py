"""Accessibility (issue 18 item 16): axe-core (vendored for tests only, tests/browser/vendor/axe-core) scans every
page of each role's menu plus the task, round, notification, password and login pages, at 1366 px and 390 px,
asserting no serious or critical WCAG 2.1 A/AA violation; text enlarged to 200 % loses nothing on the main pages."""

import json
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from factories import PASSWORD, World, pdf
from inspections import services
from inspections.choices import EvidenceKind, RoundKind
from rectify.navigation import nav_items

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
ROLES = ("bureau", "leader", "water_user", "admin")


@pytest.fixture
def world():
    world = World(units=("city", "water", "town"), users=("admin", "bureau", "leader", "water_user", "town_user"))
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
        tasks=[
            {
                "lead_unit": world.water,
                "deadline_text": "2099年6月底前",
                "assigned_on": date(2024, 1, 1),
                "measures": "截污纳管",
            },
            {"lead_unit": world.water, "deadline_text": "2024年12月31日前", "assigned_on": date(2024, 1, 1)},
        ],
    )
    task = finding.tasks.order_by("number").first()
    services.task_progress_add(actor=world.water_user, task=task, text="已完成管网排查。", percent=30)
    services.task_evidence_add(actor=world.water_user, task=task, files=[pdf()], kind=EvidenceKind.ACCEPTANCE)
    world.round, world.task = inspection_round, task
    return world


@pytest.fixture
def scan_context(browser):
    """A context that lets the test inject axe (the product's CSP would refuse the injected script)."""
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    yield context
    context.close()


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def pages_of(world, user) -> list[str]:
    urls = [item["url"] for item in nav_items(user)]
    urls += [
        reverse("inspections:task_detail", args=[world.task.pk]),
        reverse("inspections:round_detail", args=[world.round.pk]),
        reverse("inspections:notification_list"),
        reverse("password_change"),
    ]
    return list(dict.fromkeys(urls))


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                [n["target"], {k: (n["any"] or [{}])[0].get("data", {}) for k in ("why",)}["why"]]
                for n in v["nodes"][:8]
            ],
        }
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("width", [1366, 390])
def test_every_page_has_no_serious_or_critical_axe_violation(scan_context, live_server, world, width):
    page = scan_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    problems = {}
    page.goto(f"{live_server.url}/accounts/login/")
    found = axe_violations(page)
    if found:
        problems["anonymous /accounts/login/"] = found
    for role in ROLES:
        user = getattr(world, role)
        scan_context.clear_cookies()
        log_in(page, live_server.url, user.username)
        for url in pages_of(world, user):
            response = page.goto(live_server.url + url)
            assert response.status == 200, (role, url, response.status)
            page.wait_for_load_state("networkidle")
            found = axe_violations(page)
            if found:
                problems[f"{role} {url}"] = found
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)


def admin_pages_of(world, user) -> list[str]:
    """The Django admin a bureau's staff and the administrator work in: the index, changelists, change forms."""
    urls = [
        reverse("admin:index"),
        reverse("admin:inspections_rectificationtask_changelist"),
        reverse("admin:inspections_rectificationtask_change", args=[world.task.pk]),
        reverse("admin:inspections_finding_changelist"),
        reverse("admin:inspections_finding_change", args=[world.task.finding_id]),
        reverse("admin:inspections_inspectionround_change", args=[world.round.pk]),
    ]
    if user.is_superuser or user.role == "admin":
        urls += [
            reverse("admin:accounts_user_changelist"),
            reverse("admin:accounts_user_change", args=[world.water_user.pk]),
            reverse("admin:accounts_unit_changelist"),
        ]
    return urls


@pytest.mark.parametrize("width", [1366, 390])
def test_admin_pages_have_no_serious_or_critical_axe_violation(scan_context, live_server, world, width):
    page = scan_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    problems = {}
    for role in ("bureau", "admin"):
        user = getattr(world, role)
        scan_context.clear_cookies()
        log_in(page, live_server.url, user.username)
        for url in admin_pages_of(world, user):
            response = page.goto(live_server.url + url)
            assert response.status == 200, (role, url, response.status)
            page.wait_for_load_state("networkidle")
            found = axe_violations(page)
            if found:
                problems[f"{role} {url}"] = found
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)


def every_admin_page(user) -> list[str]:
    """The changelist and the add form (where `user` may add) of every model registered in the admin
    (closure, complaints, supervision, calendar, beat ... included), whatever feature registered it."""
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    urls = []
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        info = (model._meta.app_label, model._meta.model_name)
        if not model_admin.has_view_or_change_permission(request):
            continue
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    return urls


def test_every_admin_changelist_and_add_form_has_no_serious_or_critical_axe_violation(scan_context, live_server, world):
    page = scan_context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server.url, world.admin.username)
    problems, urls = {}, every_admin_page(world.admin)
    assert len(urls) > 20, urls  # every feature's models, not just the core's
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response.status == 200, (url, response.status)
        page.wait_for_load_state("networkidle")
        found = axe_violations(page)
        if found:
            problems[url] = found
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
