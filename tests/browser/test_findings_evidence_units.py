"""Issue 18 items 5-8 in Chromium, at 1366 px and 390 px with screenshots: a finding edited and a task added
to it; evidence uploaded with a type and description per file and previewed in the page (an <img>, Chromium's
PDF viewer in an <iframe>, a new tab); the one unit picker on the finding form, the task edit page and the
dashboard; the quick start's (DEBUG=1) own 404/403 pages."""

from datetime import date

import pytest
from playwright.sync_api import expect

from factories import PASSWORD, World
from inspections import services
from inspections.choices import RoundKind
from inspections.models import Evidence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [1366, 390]


def png_bytes():
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    width, height = 60, 40
    raw = b"".join(b"\x00" + b"\x20\xa0\x40" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def one_page_pdf(text="Rectification report 2099"):
    """A real one-page PDF (with a cross-reference table), so Chromium's viewer draws a page."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.fixture
def world():
    world = World(
        units=("city", "water", "housing", "housing_team", "town"),
        users=("bureau", "leader", "water_user", "town_user"),
    )
    world.round = services.round_create(
        actor=world.bureau,
        kind=RoundKind.CENTRAL,
        batch=2,
        name="第二轮中央生态环境保护督察",
        feedback_date=date(2024, 1, 10),
    )
    world.finding = services.finding_create(
        actor=world.bureau,
        inspection_round=world.round,
        summary="城区河道黑臭问题",
        tasks=[{"lead_unit": world.water, "deadline_text": "2099年6月底前", "measures": "截污纳管"}],
    )
    world.task = world.finding.tasks.get()
    return world


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_attached()


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_edit_a_finding_and_add_a_task_with_the_unit_picker(page, live_server, world, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "duchaban")
    page.goto(f"{live_server.url}/rounds/{world.round.pk}/")
    page.get_by_test_id("finding-edit").click()
    page.fill("#id_summary", "城区河道黑臭问题（已核实）")
    page.fill("#id_region", "东城区")
    page.get_by_test_id("finding-save").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存反馈问题 1 的修改")
    expect(page.get_by_test_id("field-history")).to_contain_text("城区河道黑臭问题（已核实）")
    page.screenshot(path=screenshot_dir / f"finding-edit-{width}.png", full_page=True)

    page.get_by_test_id("finding-task-add").click()
    page.select_option("#id_lead_unit", label="市水务局")
    picker = page.get_by_test_id("unit-picker-cooperating_units")
    expect(picker.locator(f"#id_cooperating_units_{world.water.pk}")).to_be_disabled()  # the lead never helps
    picker.locator("[data-unit-filter]").fill("住建")
    expect(picker.locator("[data-unit-option]:visible")).to_have_count(1)
    picker.locator("[data-unit-filter]").fill("")
    picker.get_by_label("南山镇").check()
    picker.get_by_label("县住建局城建股").check()
    expect(picker.locator("[data-picked-count]")).to_have_text("2")
    page.fill("#id_deadline_text", "2099年底前")
    page.fill("#id_measures", "补建调节池")
    page.screenshot(path=screenshot_dir / f"finding-task-add-{width}.png", full_page=True)
    page.get_by_test_id("task-add-save").click()
    expect(page.locator(".alert-success")).to_contain_text("增加整改任务")
    expect(page.get_by_test_id("timeline")).to_contain_text("创建")
    task = world.finding.tasks.get(number=2)
    assert sorted(u.name for u in task.cooperating_units.all()) == ["南山镇", "县住建局城建股"]
    # The edit of the finding is in the first task's timeline.
    page.goto(f"{live_server.url}{world.task.get_absolute_url()}")
    expect(page.get_by_test_id("timeline")).to_contain_text("反馈问题 1 修改了：问题简述、所属区域")


@pytest.mark.parametrize("width", WIDTHS)
def test_finding_form_and_task_edit_share_the_picker(page, live_server, world, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "duchaban")
    page.goto(f"{live_server.url}/rounds/{world.round.pk}/findings/new/")
    page.fill("#id_summary", "扬尘管控不到位")
    page.select_option("#id_tasks-0-lead_unit", label="南山镇")
    page.get_by_test_id("add-task").click()  # a row added later gets a working picker too
    row = page.locator("[data-task-row]").nth(1)
    row.locator("select[name$=lead_unit]").select_option(label="市水务局")
    row.locator("[data-unit-filter]").fill("南山")
    row.get_by_label("南山镇").check()
    expect(row.locator("[data-picked-count]")).to_have_text("1")
    page.fill("#id_tasks-0-deadline_text", "2099年底前")
    row.locator("input[name$=deadline_text]").fill("2099年6月底前")
    page.screenshot(path=screenshot_dir / f"finding-form-picker-{width}.png", full_page=True)
    page.get_by_test_id("finding-save").click()
    expect(page.locator(".alert-success")).to_contain_text("交办 2 项整改任务")
    finding = world.round.findings.get(number=2)
    assert [u.name for u in finding.tasks.get(number=2).cooperating_units.all()] == ["南山镇"]

    page.goto(f"{live_server.url}/tasks/{world.task.pk}/edit/")
    picker = page.get_by_test_id("unit-picker-cooperating_units")
    expect(picker.locator(f"#id_cooperating_units_{world.water.pk}")).to_be_disabled()
    picker.get_by_label("南山镇").check()
    page.get_by_test_id("task-save").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("配合单位")


@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_unit_filter_is_the_picker(page, live_server, world, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "leader")
    page.goto(f"{live_server.url}/dashboard/")
    picker = page.get_by_test_id("unit-picker-unit")
    summary = picker.locator("summary")
    expect(summary).to_have_text("全部单位")
    summary.click()
    picker.locator("[data-unit-filter]").fill("水务")
    expect(picker.locator("[data-unit-option]:visible")).to_have_count(2)  # 全部单位 stays offered
    picker.get_by_label("市水务局").check()
    expect(summary).to_have_text("市水务局")
    page.screenshot(path=screenshot_dir / f"dashboard-unit-picker-{width}.png", full_page=False)
    page.get_by_test_id("dashboard-filters").locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/?round=&unit={world.water.pk}&category=&as_of=")
    expect(page.get_by_test_id("unit-picker-unit").locator("summary")).to_have_text("市水务局")


@pytest.mark.parametrize("width", WIDTHS)
def test_unit_uploads_files_each_with_a_type_and_previews_them(page, live_server, world, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "shuiwu")
    page.goto(f"{live_server.url}{world.task.get_absolute_url()}")
    page.get_by_test_id("evidence-files").set_input_files(
        [
            {"name": "整改后现场.png", "mimeType": "image/png", "buffer": png_bytes()},
            {"name": "验收报告.pdf", "mimeType": "application/pdf", "buffer": one_page_pdf()},
        ]
    )
    rows = page.get_by_test_id("evidence-file-row")
    expect(rows).to_have_count(2)
    rows.nth(0).locator("select").select_option("photo")
    rows.nth(0).locator("input").fill("河道整治后照片")
    rows.nth(1).locator("select").select_option("acceptance")
    rows.nth(1).locator("input").fill("区级验收意见")
    page.screenshot(path=screenshot_dir / f"evidence-per-file-{width}.png", full_page=True)
    page.get_by_test_id("evidence-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("已上传 2 份佐证材料")
    assert dict(Evidence.objects.values_list("original_name", "kind")) == {
        "整改后现场.png": "photo",
        "验收报告.pdf": "acceptance",
    }
    expect(page.get_by_test_id("evidence-description")).to_have_count(2)

    previews = page.get_by_test_id("evidence-preview")
    image_preview = previews.filter(has=page.get_by_test_id("preview-image"))
    image_preview.get_by_test_id("preview-toggle").click()
    image = image_preview.get_by_test_id("preview-image")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 60", arg=image.element_handle())

    pdf_preview = previews.filter(has=page.get_by_test_id("preview-frame"))
    with page.expect_response(lambda r: "/preview/" in r.url and r.request.resource_type == "document") as frame:
        pdf_preview.get_by_test_id("preview-toggle").click()
    response = frame.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    expect(pdf_preview.get_by_test_id("preview-frame")).to_be_visible()
    page.wait_for_timeout(1500)  # let Chromium's viewer draw before the screenshot
    pdf_preview.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / f"evidence-preview-{width}.png", full_page=True)

    with page.context.expect_page() as tab:
        pdf_preview.get_by_test_id("preview-tab").click()
    new_tab = tab.value
    new_tab.wait_for_load_state()
    new_tab.wait_for_timeout(1500)
    new_tab.screenshot(path=screenshot_dir / f"evidence-preview-tab-{width}.png")
    new_tab.close()

    # Withdrawal still works beside the previews.
    page.get_by_test_id("withdraw-toggle").first.click()
    page.get_by_test_id("withdraw-reason").first.fill("照片传错了")
    page.get_by_test_id("withdraw-submit").first.click()
    expect(page.get_by_test_id("evidence-withdrawn")).to_have_count(1)


@pytest.mark.parametrize("width", WIDTHS)
def test_quick_start_shows_the_products_error_pages(page, live_server, world, settings, screenshot_dir, width):
    settings.DEBUG = True  # scripts/run.sh
    settings.DEBUG_ERROR_PAGES = False
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live_server.url, "nanshan")  # a unit user: the water department's task is not theirs
    response = page.goto(f"{live_server.url}{world.task.get_absolute_url()}")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    expect(page.get_by_test_id("current-user")).to_be_attached()
    page.screenshot(path=screenshot_dir / f"quickstart-404-{width}.png", full_page=True)
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    response = page.goto(f"{live_server.url}/findings/{world.finding.pk}/edit/")
    assert response.status == 403
    expect(page.locator("body")).to_contain_text("无权操作")
    page.screenshot(path=screenshot_dir / f"quickstart-403-{width}.png", full_page=True)
