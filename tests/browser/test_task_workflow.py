"""The whole browser workflow, end to end: staff log and split a finding, a unit reports and asks
for closure (at 50 %, with a reason), staff reject, then record the acceptance (two acceptors), the
responsible leader signs off on the confirmation page with a comment; the other unit cannot see any of it."""

import re

import pytest
from playwright.sync_api import expect

from accounts.choices import Role, UnitKind
from accounts.services import unit_create, user_create
from inspections.models import Evidence, RectificationTask

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rectify@2026-test"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def people():
    county = unit_create(name="某某县", code="C01", kind=UnitKind.BUREAU)
    housing = unit_create(name="县住房和城乡建设局", code="D01", kind=UnitKind.DEPARTMENT, parent=county)
    township = unit_create(name="南山镇", code="T01", kind=UnitKind.TOWNSHIP, parent=county)
    return {
        "staff": user_create(username="staff", password=PASSWORD, role=Role.BUREAU, unit=county, full_name="王督察"),
        "leader": user_create(username="boss", password=PASSWORD, role=Role.LEADER, full_name="张副县长"),
        "housing": user_create(
            username="housing", password=PASSWORD, role=Role.UNIT, unit=housing, full_name="李联络员"
        ),
        "township": user_create(
            username="township", password=PASSWORD, role=Role.UNIT, unit=township, full_name="赵联络员"
        ),
        "housing_unit": housing,
        "township_unit": township,
    }


def log_in(page, base, username):
    # The task page loads its 销号流程 panel with htmx: let it finish, or its response would bring the
    # old session cookie back after clear_cookies (and the login page would show the old user).
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_attached()


def test_finding_to_closure_across_roles(page, live_server, people, screenshot_dir):
    base = live_server.url

    # Bureau staff register a round ...
    log_in(page, base, "staff")
    page.goto(f"{base}/rounds/")
    page.get_by_test_id("round-create").click()
    page.select_option("#id_kind", label="中央督察")
    page.fill("#id_batch", "2")
    page.fill("#id_name", "第二轮中央生态环境保护督察")
    page.fill("#id_feedback_date", "2026-06-01")
    page.get_by_test_id("round-save").click()
    expect(page.locator("h1")).to_have_text("第二轮中央生态环境保护督察")

    # ... and a finding split into two tasks for two units, the deadline previewed as typed.
    page.get_by_test_id("finding-create").click()
    page.fill("#id_summary", "城区垃圾填埋场渗滤液处理不达标")
    page.select_option("#id_category", label="固体废物")
    page.select_option("#id_responsible_leader", value=str(people["leader"].pk))
    page.select_option("#id_tasks-0-lead_unit", label="县住房和城乡建设局")
    page.fill("#id_tasks-0-measures", "新建渗滤液处理站，实现达标排放")
    page.locator("#id_tasks-0-deadline_text").press_sequentially("2027年6月底前")
    expect(page.get_by_test_id("deadline-preview").first).to_contain_text("2027年6月30日")
    page.get_by_test_id("add-task").click()
    page.select_option("#id_tasks-1-lead_unit", label="南山镇")
    page.fill("#id_tasks-1-measures", "排查镇域内非正规垃圾堆放点")
    page.locator("#id_tasks-1-deadline_text").press_sequentially("2027年底前")
    expect(page.get_by_test_id("deadline-preview").nth(1)).to_contain_text("2027年12月31日")
    page.screenshot(path=screenshot_dir / "finding-form.png", full_page=True)
    page.get_by_test_id("finding-save").click()
    expect(page.locator(".alert-success")).to_contain_text("2 项整改任务")

    # The list filters in place (htmx) and keeps the filters in the URL, so a view can be shared.
    page.goto(f"{base}/tasks/")
    expect(page.get_by_test_id("task-row")).to_have_count(2)
    page.fill("#id_q", "处理站")
    expect(page.get_by_test_id("task-row")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=%E5%A4%84%E7%90%86%E7%AB%99|q=处理站"))
    page.reload()
    expect(page.get_by_test_id("task-row")).to_have_count(1)

    task = RectificationTask.objects.get(lead_unit=people["housing_unit"])
    other_task = RectificationTask.objects.get(lead_unit=people["township_unit"])
    task_url = f"{base}/tasks/{task.pk}/"

    # The housing unit sees only its own task.
    log_in(page, base, "housing")
    page.goto(f"{base}/tasks/")
    rows = page.get_by_test_id("task-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(task.code)
    expect(page.locator("body")).not_to_contain_text("排查镇域内非正规垃圾堆放点")
    page.screenshot(path=screenshot_dir / "task-list.png", full_page=True)

    rows.first.get_by_role("link", name=task.code).click()
    page.fill("#id_text", "渗滤液处理站主体工程已完工，正在调试。")
    page.fill("#id_percent", "50")
    page.fill("#id_investment", "320.5")
    page.get_by_test_id("progress-submit").click()
    expect(page.get_by_test_id("task-percent")).to_have_text("50%")

    page.get_by_test_id("evidence-files").set_input_files(
        [{"name": "整改验收报告.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.get_by_test_id("evidence-submit").click()
    expect(page.get_by_test_id("evidence-link")).to_have_text("整改验收报告.pdf")
    with page.expect_download() as download:
        page.get_by_test_id("evidence-link").click()
    assert download.value.suggested_filename == "整改验收报告.pdf"
    page.screenshot(path=screenshot_dir / "task-page.png", full_page=True)
    # At 50 % a closure request needs a reason: without one it is refused and nothing moves.
    page.get_by_test_id("action-submit").click()
    expect(page.get_by_test_id("transition-error")).to_contain_text("理由")
    expect(page.get_by_test_id("task-status")).to_have_text("整改中")
    page.console_errors.clear()  # the refused request's 400, logged by Chromium, was the point of that step
    page.get_by_test_id("reason-submit").fill("主体工程已完工，调试期出水稳定达标，申请先行验收")
    page.get_by_test_id("action-submit").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已申请销号")

    # Staff reject with a reason; the unit resubmits; staff verify.
    log_in(page, base, "staff")
    page.goto(task_url)
    page.get_by_test_id("reason-reject").fill("现场照片不清晰，请补充出水水质监测报告")
    page.get_by_test_id("action-reject").click()
    expect(page.get_by_test_id("task-status")).to_have_text("整改中")
    expect(page.get_by_test_id("timeline")).to_contain_text("请补充出水水质监测报告")

    log_in(page, base, "housing")
    page.goto(task_url)
    page.fill("#id_text", "出水水质监测报告已补充，处理站稳定运行。")
    page.fill("#id_percent", "100")
    page.get_by_test_id("progress-submit").click()
    expect(page.get_by_test_id("task-percent")).to_have_text("100%")
    page.get_by_test_id("action-submit").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已申请销号")

    # Acceptance (验收) is a record: two acceptors, the conclusion, the closing standards.
    log_in(page, base, "staff")
    page.goto(task_url)
    page.get_by_test_id("action-verify").click()
    page.fill("#id_acceptor_0_name", "王督察")
    page.fill("#id_acceptor_0_unit", "某某县生态环境分局")
    page.fill("#id_acceptor_1_name", "陈工程师")
    page.fill("#id_acceptor_1_unit", "县住房和城乡建设局")
    page.select_option("#id_conclusion", value="pass")
    page.get_by_test_id("acceptance-save").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已验收")
    expect(page.get_by_test_id("task-percent")).to_have_text("100%")

    # The responsible leader signs off on a confirmation page, with a comment: closed, read-only.
    log_in(page, base, "boss")
    page.goto(task_url)
    page.get_by_test_id("action-close").click()
    page.fill("#id_comment", "同意销号")
    page.get_by_test_id("confirm-action").click()
    expect(page.get_by_test_id("task-status")).to_contain_text("已销号")
    expect(page.get_by_test_id("read-only-notice")).to_be_visible()
    for test_id in ("progress-submit", "evidence-submit", "action-reject", "action-close"):
        expect(page.get_by_test_id(test_id)).to_have_count(0)
    expect(page.locator("main form")).to_have_count(0)

    log_in(page, base, "housing")
    page.goto(task_url)
    expect(page.get_by_test_id("task-status")).to_contain_text("已销号")
    expect(page.locator("main form")).to_have_count(0)

    # Phone width: the list and the task page still fit.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(task_url)
    page.screenshot(path=screenshot_dir / "task-page-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{base}/tasks/")
    page.screenshot(path=screenshot_dir / "task-list-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    assert page.console_errors == []

    # The other unit: 404 on the task page and on the evidence download, and its own task is there.
    evidence = Evidence.objects.get(task=task)
    log_in(page, base, "township")
    assert page.goto(task_url).status == 404
    assert page.goto(f"{base}/evidence/{evidence.pk}/download/").status == 404
    assert page.goto(f"{base}/tasks/{other_task.pk}/").status == 200
    assert re.search("排查镇域内", page.content())
