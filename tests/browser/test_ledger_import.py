"""A bureau user uploads an inspectorate's list, reads the preview, confirms, and the tasks exist."""

import pytest
from openpyxl import Workbook

from accounts.choices import Role, UnitKind
from accounts.models import Unit, User
from inspections.choices import TaskStatus
from inspections.models import RectificationTask

pytestmark = pytest.mark.browser


def _ledger(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["XX市省级生态环境保护督察反馈问题整改台账"])
    ws.append(["填报单位：XX市生态环境局", None, None, "填报日期：2024年7月1日"])
    ws.append(["序号", "督察\n轮次", "问题\n编号", "督察反馈问题", "责任单位", "整改\n时限", "整改状态", "督办级别"])
    ws.append([1, "省级生态环境保护督察", 1, "河道垃圾清理不及时", "南山镇", "2024年6月底前", "正在整改", "一般"])
    ws.append([2, None, None, None, "新区管委会", "立行立改", "已完成", ""])
    ws.append([3, "省级生态环境保护督察", 2, "工地扬尘", "南山镇", "2025年底前", "序时推进", ""])
    for ref in ("B4:B5", "C4:C5", "D4:D5"):
        ws.merge_cells(ref)
    wb.save(path)
    return path


@pytest.mark.django_db(transaction=True)
def test_bureau_imports_a_ledger_with_preview_then_confirm(page, live_server, screenshot_dir, tmp_path):
    bureau_unit = Unit.objects.create(name="XX市生态环境局", code="B", kind=UnitKind.BUREAU)
    Unit.objects.create(name="南山镇", code="T1", kind=UnitKind.TOWNSHIP, parent=bureau_unit)
    user = User(username="duchaban", role=Role.BUREAU, unit=bureau_unit, full_name="督察办")
    user.set_password("Rectify@2026")
    user.save()

    page.goto(f"{live_server.url}/accounts/login/?next=/ledger/import/")
    page.fill("#id_username", "duchaban")
    page.fill("#id_password", "Rectify@2026")
    page.get_by_role("button").last.click()
    page.wait_for_url("**/ledger/import/")
    page.set_input_files("#id_file", str(_ledger(tmp_path / "省级督察台账.xlsx")))
    page.get_by_role("button", name="上传并预览").click()
    plan = page.get_by_test_id("import-plan")
    plan.wait_for()
    assert "导入预览" in plan.inner_text()
    assert page.get_by_test_id("new-rounds").inner_text() == "省级生态环境保护督察"
    assert page.get_by_test_id("new-units").inner_text() == "新区管委会"
    assert page.get_by_test_id("plan-as-of").inner_text().startswith("2024-07-01")
    assert "督办级别" in page.get_by_test_id("unknown-columns").inner_text()  # named, not dropped silently
    assert page.get_by_test_id("import-creates").inner_text().count("省级生态环境保护督察") == 3
    page.screenshot(path=screenshot_dir / "ledger-import-preview.png", full_page=True)
    assert RectificationTask.objects.count() == 0

    page.get_by_test_id("import-confirm").click()
    page.get_by_text("导入完成").wait_for()
    assert "/ledger/import/jobs/" in page.url  # redirected after the POST
    page.reload()  # a refresh shows the result again and imports nothing twice
    page.get_by_text("导入完成").wait_for()
    assert RectificationTask.objects.count() == 3
    page.screenshot(path=screenshot_dir / "ledger-import-done.png", full_page=True)
    assert sorted(RectificationTask.objects.values_list("status", flat=True)) == sorted(
        [TaskStatus.IN_PROGRESS, TaskStatus.VERIFIED, TaskStatus.IN_PROGRESS]
    )
    # (The only console error is the missing /favicon.ico, outside this feature.)
    assert not [e for e in page.console_errors if e.startswith("uncaught")]
