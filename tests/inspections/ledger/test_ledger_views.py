"""Ledger pages: export what the list shows (at once or via a background job), import with preview and confirm."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from inspections.choices import JobStatus, TaskStatus
from inspections.models import ExportJob, Finding, InspectionRound, RectificationTask, TaskEvent

from .conftest import workbook_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def login(client, user):
    client.force_login(user)
    return client


def task_codes(response):
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(BytesIO(b"".join(response.streaming_content)))["整改台账"]
    return [ws.cell(row=r, column=7).value for r in range(4, ws.max_row + 1)]


@pytest.fixture
def eager_celery():
    from rectify.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_export_downloads_at_once_and_follows_the_list_filters(client, people, ledger_round):
    login(client, people["bureau"])
    url = reverse("inspections:ledger_export")
    assert task_codes(client.get(url)) == ["1-1", "1-2", "1-3", "2-1", "2-2", "2-3"]
    assert task_codes(client.get(url, {"status": ["closed", "not_started"]})) == ["2-1", "2-3"]
    assert task_codes(client.get(url, {"round": ledger_round.pk, "q": "VOCs"})) == ["2-1", "2-2", "2-3"]


@pytest.mark.django_db
def test_export_is_limited_to_what_the_user_may_see(client, people, ledger_round):
    login(client, people["nanshan"])
    url = reverse("inspections:ledger_export")
    assert task_codes(client.get(url)) == ["1-1", "2-1"]
    # A unit outside the user's subtree is not even a valid filter: refused, not leaked.
    other = people["hekou"].unit
    response = client.get(url, {"lead_unit": other.pk})
    assert response.status_code == 400
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


@pytest.mark.django_db
def test_round_not_visible_to_the_unit_is_refused(client, people, units, ledger_round):
    from inspections.services import round_create

    hidden = round_create(actor=people["bureau"], kind="provincial", batch=1, name="省级督察（无南山镇任务）")
    login(client, people["nanshan"])
    response = client.get(reverse("inspections:ledger_export"), {"round": hidden.pk})
    assert response.status_code == 400


def _start_job(client, user, capture, params=None):
    """Ask for an export over the threshold; the Celery job runs (eagerly) once the request commits."""
    login(client, user)
    with capture(execute=True):
        response = client.get(reverse("inspections:ledger_export"), params or {})
    return response, ExportJob.objects.get()


@pytest.mark.django_db
def test_large_export_runs_as_a_job_with_progress_and_download(
    client, people, ledger_round, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.EXPORT_ASYNC_THRESHOLD = 3
    response, job = _start_job(
        client,
        people["bureau"],
        django_capture_on_commit_callbacks,
        {"status": ["in_progress", "submitted", "verified", "closed"]},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:ledger_export_job", args=[job.pk])
    assert job.user == people["bureau"]
    assert job.params == {"status": ["in_progress", "submitted", "verified", "closed"]}
    assert (job.status, job.progress, job.total) == (JobStatus.DONE, 4, 4)

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "下载台账" in page.content.decode()
    partial = client.get(response["Location"], headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b'data-status="done"' in partial.content
    download = client.get(reverse("inspections:ledger_export_download", args=[job.pk]))
    assert task_codes(download) == ["1-1", "1-2", "1-3", "2-1"]


@pytest.mark.django_db
def test_pending_job_page_polls_with_htmx(client, people):
    job = ExportJob.objects.create(user=people["bureau"], total=5000, progress=1000)
    login(client, people["bureau"])
    content = client.get(reverse("inspections:ledger_export_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in content
    assert "1000 / 5000" in content
    assert client.get(reverse("inspections:ledger_export_download", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_export_job_belongs_to_its_owner(
    client, people, ledger_round, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.EXPORT_ASYNC_THRESHOLD = 1
    _response, job = _start_job(client, people["bureau"], django_capture_on_commit_callbacks)
    for other in ("admin", "leader", "nanshan"):
        client.logout()
        login(client, people[other])
        assert client.get(reverse("inspections:ledger_export_job", args=[job.pk])).status_code == 404
        assert client.get(reverse("inspections:ledger_export_download", args=[job.pk])).status_code == 404


def _upload(tmp_path, rows, name="台账.xlsx"):
    header = ["序号", "督察轮次", "问题编号", "反馈问题", "牵头单位", "整改时限", "完成情况"]
    path = workbook_file(tmp_path / "upload.xlsx", [["XX市督察整改台账"], header, *rows])
    return SimpleUploadedFile(name, path.read_bytes(), content_type=XLSX)


def _db_counts():
    return (
        InspectionRound.objects.count(),
        Finding.objects.count(),
        RectificationTask.objects.count(),
        TaskEvent.objects.count(),
    )


@pytest.mark.django_db
def test_import_page_is_for_bureau_and_admin_only(client, people):
    url = reverse("inspections:ledger_import")
    for name in ("leader", "nanshan"):
        login(client, people[name])
        assert client.get(url).status_code == 403
        assert client.post(reverse("inspections:ledger_import_confirm"), {"token": "0" * 32}).status_code == 403
        client.logout()
    assert client.get(url).status_code == 302
    for name in ("bureau", "admin"):
        login(client, people[name])
        assert client.get(url).status_code == 200
        client.logout()


def _preview(client, user, tmp_path, rows):
    """Upload `rows` as a bureau user; the preview must not write anything."""
    login(client, user)
    before = _db_counts()
    response = client.post(reverse("inspections:ledger_import"), {"file": _upload(tmp_path, rows)})
    assert _db_counts() == before
    return response, response.content.decode()


@pytest.mark.django_db
def test_import_preview_then_confirm(client, people, units, tmp_path):
    preview, html = _preview(
        client,
        people["bureau"],
        tmp_path,
        [
            [1, "省级督察第一批", 1, "河道垃圾", "南山镇", "2024年底前", "正在整改"],
            [2, "省级督察第一批", 1, "河道垃圾", "新区管委会", "立行立改", "已完成"],
        ],
    )
    assert preview.status_code == 200
    assert "导入预览" in html and "新增 2 项" in html
    assert "省级督察第一批" in html and "新区管委会" in html
    token = preview.context["token"]

    # Another bureau user cannot confirm someone else's upload.
    client.logout()
    login(client, people["admin"])
    assert client.post(reverse("inspections:ledger_import_confirm"), {"token": token}).status_code == 404
    client.logout()
    login(client, people["bureau"])
    done = client.post(reverse("inspections:ledger_import_confirm"), {"token": token})
    # Redirected after the POST: refreshing the result page never imports twice.
    assert done.status_code == 302 and done.url.startswith("/ledger/import/jobs/")
    result = client.get(done.url)
    assert "导入完成" in result.content.decode()
    assert client.get(done.url).status_code == 200 and RectificationTask.objects.count() == 2
    assert RectificationTask.objects.filter(status=TaskStatus.VERIFIED).count() == 1
    assert InspectionRound.objects.filter(name="省级督察第一批").exists()
    # The staged file is gone: confirming twice does nothing.
    assert client.post(reverse("inspections:ledger_import_confirm"), {"token": token}).status_code == 404


@pytest.mark.django_db
def test_import_with_errors_shows_rows_and_writes_nothing(client, people, units, tmp_path):
    response, html = _preview(
        client,
        people["bureau"],
        tmp_path,
        [
            [1, "省级督察第一批", 1, "河道垃圾", "南山镇", "明年吧", "正在整改"],
            [2, "省级督察第一批", 2, "工地扬尘", "南山镇", "2024-06-30", "快好了"],
        ],
    )
    assert response.status_code == 400
    assert "整个文件都没有导入" in html
    assert "明年吧" in html and "快好了" in html
    assert "import-confirm" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("旧台账.xls", b"\xd0\xcf\x11\xe0junk", "请另存为 .xlsx 后再上传"),
        ("台账.xlsx", b"not a zip", "不是有效的 Excel 工作簿"),
    ],
)
def test_import_refusals_are_shown(client, people, name, content, message):
    login(client, people["bureau"])
    before = _db_counts()
    response = client.post(reverse("inspections:ledger_import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _db_counts() == before


@pytest.mark.django_db
def test_import_into_a_chosen_round(client, people, units, ledger_round, tmp_path):
    login(client, people["bureau"])
    path = workbook_file(
        tmp_path / "no-round.xlsx",
        [["问题编号", "反馈问题", "牵头单位", "整改时限"], [9, "新发现的问题", "南山镇", "2025-03-31"]],
    )
    upload = SimpleUploadedFile("无轮次.xlsx", path.read_bytes())
    preview = client.post(reverse("inspections:ledger_import"), {"file": upload, "round": ledger_round.pk})
    assert preview.status_code == 200
    client.post(reverse("inspections:ledger_import_confirm"), {"token": preview.context["token"]})
    assert ledger_round.findings.get(number=9).tasks.get().deadline.isoformat() == "2025-03-31"
