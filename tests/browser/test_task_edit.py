"""Bureau staff extend a task's deadline (延期) in the browser: the edit form's live preview, the saved
deadline on the task page and the 编辑 entry in its timeline; at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from accounts.choices import Role, UnitKind
from accounts.services import unit_create, user_create
from inspections import services
from inspections.choices import Category, RoundKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rectify@2026-test"


@pytest.fixture
def task():
    county = unit_create(name="某某县", code="C01", kind=UnitKind.BUREAU)
    housing = unit_create(name="县住房和城乡建设局", code="D01", kind=UnitKind.DEPARTMENT, parent=county)
    unit_create(name="县住建局城建股", code="D0101", kind=UnitKind.DEPARTMENT, parent=housing)
    township = unit_create(name="南山镇", code="T01", kind=UnitKind.TOWNSHIP, parent=county)
    staff = user_create(username="staff", password=PASSWORD, role=Role.BUREAU, unit=county, full_name="王督察")
    inspection_round = services.round_create(
        actor=staff, kind=RoundKind.CENTRAL, batch=2, name="第二轮中央生态环境保护督察"
    )
    finding = services.finding_create(
        actor=staff,
        inspection_round=inspection_round,
        summary="城区垃圾填埋场渗滤液处理不达标",
        category=Category.SOLID_WASTE,
        tasks=[
            {
                "lead_unit": housing,
                "cooperating_units": [township],
                "deadline_text": "2027年6月底前",
                "goal": "渗滤液全部达标处理",
                "measures": "新建渗滤液处理站，实现达标排放",
                "responsible_person": "李局长",
            }
        ],
    )
    return finding.tasks.get()


def log_in(page, base):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_attached()


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_extend_a_deadline(page, live_server, task, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}{task.get_absolute_url()}")
    page.get_by_test_id("task-edit").click()

    # The form opens with the task's values and the current deadline already previewed.
    expect(page.locator("h1")).to_contain_text("编辑整改任务 1-1")
    expect(page.locator("#id_lead_unit")).to_have_value(str(task.lead_unit_id))
    expect(page.get_by_test_id("deadline-preview")).to_contain_text("2027年6月30日")
    expect(page.locator("[data-picked-count]")).to_have_text("1")
    # A unit leads or helps, not both: picking the cooperating township as lead unit takes it off the list.
    township = page.get_by_label("南山镇", exact=True)
    page.select_option("#id_lead_unit", label="\u3000南山镇")
    expect(township).to_be_disabled()
    expect(township).not_to_be_checked()
    expect(page.locator("[data-picked-count]")).to_have_text("0")
    page.select_option("#id_lead_unit", value=str(task.lead_unit_id))
    township.check()
    expect(page.locator("[data-picked-count]")).to_have_text("1")
    # The cooperating-unit list filters as one types.
    page.locator("[data-unit-filter]").fill("城建")
    expect(page.locator("[data-unit-option]:visible")).to_have_count(1)
    page.locator("[data-unit-filter]").fill("")

    # The inspectorate approved an extension: 2028年底前.
    deadline = page.locator("#id_deadline_text")
    deadline.fill("")
    deadline.press_sequentially("2028年底前")
    expect(page.get_by_test_id("deadline-preview")).to_contain_text("2028年12月31日")
    page.screenshot(path=screenshot_dir / f"task-edit-{width}.png", full_page=True)
    page.get_by_test_id("task-save").click()

    expect(page.locator(".alert-success")).to_contain_text("已保存整改任务 1-1 的修改。")
    expect(page.locator(".task-facts")).to_contain_text("2028年底前")
    expect(page.locator(".task-facts")).to_contain_text("2028-12-31")
    expect(page.get_by_test_id("timeline")).to_contain_text("修改了：整改时限")
    page.screenshot(path=screenshot_dir / f"task-edited-{width}.png", full_page=True)
    assert page.console_errors == []
