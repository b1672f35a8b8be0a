"""Complaint cases end to end: the bureau imports a batch of 20, assigns them, the unit reports the
investigation (属实, 罚款 3.5 万元, 立案处罚 1 起) and concludes, the bureau makes the case a ledger task and
downloads the batch's disclosure list; the rates then show on the leader dashboard (a figure clicks through to
its cases) and in the weekly dispatch report."""

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.choices import Role, UnitKind
from accounts.models import Unit, User
from inspections.choices import CaseStatus, FindingSource, FollowUpResult
from inspections.complaints import services
from inspections.models import ComplaintCase, DispatchReport
from inspections.reports.services import dispatch_report_build

pytestmark = pytest.mark.browser
PASSWORD = "Rectify@2026"


def _batch(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["第三轮中央生态环境保护督察第五督察组交办XX市群众信访举报件（第1批）"])
    ws.merge_cells("A1:E1")
    ws.append(["序号", "受理\n编号", "交办问题基本情况", "行政区域", "污染类型"])
    for n in range(1, 21):
        ws.append([n, f"D32000{n:04d}", f"南山镇第{n}号企业夜间排放刺鼻废气，编号{n * 37}的居民反映", "南山镇", "大气"])
    wb.save(path)
    return path


def _login(page, live_server, username, next_url):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button").last.click()
    page.wait_for_url(f"**{next_url}")


def _user(username, role, unit):
    user = User(username=username, role=role, unit=unit, full_name=username)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.django_db(transaction=True)
def test_complaint_batch_from_import_to_disclosure(page, live_server, screenshot_dir, tmp_path):
    bureau_unit = Unit.objects.create(name="XX市生态环境局", code="B", kind=UnitKind.BUREAU)
    town = Unit.objects.create(name="南山镇", code="T1", kind=UnitKind.TOWNSHIP, parent=bureau_unit)
    bureau = _user("duchaban", Role.BUREAU, bureau_unit)
    _user("nanshan", Role.UNIT, town)

    _login(page, live_server, "duchaban", "/complaints/import/")
    page.set_input_files("#id_file", str(_batch(tmp_path / "第1批.xlsx")))
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_test_id("import-plan").wait_for()
    assert "新增 20 件" in page.get_by_test_id("plan-cases").inner_text()
    assert "第1批" in page.get_by_test_id("plan-batches").inner_text()
    page.screenshot(path=screenshot_dir / "complaints-import-preview.png", full_page=True)
    page.get_by_test_id("import-confirm").click()
    page.get_by_text("导入完成").wait_for()
    assert ComplaintCase.objects.count() == 20

    # The first case through its page; the other 19 through the same service the page calls.
    first = ComplaintCase.objects.get(code="D320000001")
    page.goto(f"{live_server.url}/complaints/{first.pk}/")
    page.select_option("#id_lead_unit", str(town.pk))
    page.get_by_test_id("assign-form").get_by_role("button", name="转办").click()
    page.get_by_test_id("case-unit").filter(has_text="南山镇").wait_for()
    for case in ComplaintCase.objects.exclude(pk=first.pk):
        services.case_assign(actor=bureau, case=case, lead_unit=town)
    page.goto(f"{live_server.url}/complaints/")
    assert page.get_by_test_id("case-count").inner_text() == "共 20 件"
    assert not ComplaintCase.objects.filter(repeat_of__isnull=False).exists()  # 20 different enterprises
    page.screenshot(path=screenshot_dir / "complaints-list.png", full_page=True)

    _login(page, live_server, "nanshan", f"/complaints/{first.pk}/")
    form = page.get_by_test_id("investigation-form")
    form.locator("#id_investigation").fill("经现场核查，该企业夜间未开启废气治理设施，群众反映问题属实。")
    form.locator("#id_verdict").select_option("true")
    form.locator("#id_needs_rectification").check()
    form.locator("#id_handling").fill("责令立即整改，依法立案处罚。")
    form.locator("#id_penalty_cases").fill("1")
    form.locator("#id_fine_amount").fill("3.5")
    page.get_by_test_id("report-submit").click()
    page.get_by_test_id("handling-figures").filter(has_text="罚款3.5万元").wait_for()
    page.get_by_test_id("action-close").click()
    page.get_by_test_id("case-status").filter(has_text="已办结").wait_for()
    page.screenshot(path=screenshot_dir / "complaints-case-concluded.png", full_page=True)
    first.refresh_from_db()
    assert first.status == CaseStatus.DONE and first.penalty_cases == 1 and str(first.fine_amount) == "3.50"

    _login(page, live_server, "duchaban", f"/complaints/{first.pk}/")
    page.get_by_test_id("to-task-form").locator("#id_deadline_text").fill("2026年12月31日前")
    page.get_by_test_id("to-task-submit").click()
    page.get_by_test_id("case-tasks").wait_for()
    first.refresh_from_db()
    assert first.finding.source == FindingSource.COMPLAINT and first.finding.tasks.count() == 1

    page.goto(f"{live_server.url}/complaints/report/")
    page.get_by_test_id("rates-sentence").wait_for()
    page.screenshot(path=screenshot_dir / "complaints-report.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_test_id("disclosure-batch-1").click()
    target = tmp_path / "disclosure.xlsx"
    download_info.value.save_as(target)
    ws = load_workbook(target).active
    assert ws["A3"].value == "序号" and ws.max_row == 23  # title, info, header, 20 cases
    row = [c.value for c in ws[4]]
    assert row[1] == "D320000001" and row[6] == "属实" and "立案处罚" in row[7]

    # The rates where a leader reads them: 20 received and accepted, 1 concluded (5%), 1 called back, satisfied.
    services.case_follow_up(actor=bureau, case=first, result=FollowUpResult.SATISFIED)
    sentence = "共接待群众投诉20起，受理率、办结率、群众满意率分别为100%、5%、100%。"
    page.goto(f"{live_server.url}/dashboard/")
    panel = page.get_by_test_id("complaints-panel")
    panel.wait_for()
    assert panel.get_by_test_id("panel-received").inner_text() == "20"
    assert "5.0%" in panel.get_by_test_id("panel-conclusion-rate").inner_text()
    assert panel.get_by_test_id("panel-complaints-sentence").inner_text() == sentence
    panel.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "complaints-dashboard-panel.png", full_page=True)
    panel.get_by_test_id("panel-conclusion-rate").click()
    page.wait_for_url("**/complaints/?**")
    assert page.get_by_test_id("case-count").inner_text() == "共 1 件"
    assert page.get_by_role("link", name="D320000001").count() >= 1

    report = dispatch_report_build(report_id=DispatchReport.objects.create(report_date=timezone.localdate()).pk)
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    section = page.get_by_test_id("report-complaints")
    section.wait_for()
    assert sentence in section.get_by_test_id("report-complaints-sentence").inner_text()
    assert "罚款3.5万元" in section.inner_text()
    assert sentence in report.narrative
    section.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "complaints-dispatch-report.png", full_page=True)
    assert not [e for e in page.console_errors if e.startswith("uncaught")]
