"""Dispatch report pages: bureau staff, leaders and admins see and download; unit users get 404."""

from datetime import date

import pytest
from django.urls import reverse
from helpers_ledger import at, make_ledger

from accounts.choices import Role
from accounts.services import user_create
from inspections.choices import JobStatus
from inspections.models import DispatchReport
from inspections.reports.services import dispatch_report_build, report_file

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 7)


@pytest.fixture
def ledger():
    with at(date(2026, 5, 1)):
        ledger = make_ledger()
        ledger.task(ledger.round(), date(2026, 6, 1))
    return ledger


@pytest.fixture
def report(ledger):
    with at(date(2026, 6, 8)):
        return dispatch_report_build(report_id=DispatchReport.objects.create(report_date=DAY).pk)


def admin_user():
    return user_create(username="t_admin", password=None, role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.mark.parametrize("who", ["bureau", "leader", "admin"])
def test_allowed_roles_list_read_and_download(client, ledger, report, who):
    user = admin_user() if who == "admin" else getattr(ledger, who)
    client.force_login(user)
    listing = client.get(reverse("inspections:report_list"))
    assert listing.status_code == 200 and reverse("inspections:report_detail", args=[report.pk]) in listing.text
    page = client.get(reverse("inspections:report_detail", args=[report.pk]))
    assert page.status_code == 200
    assert report.narrative in page.text and "@page" not in page.text  # print CSS is a linked file
    download = client.get(reverse("inspections:report_download", args=[report.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == report_file(report).read_bytes()
    assert "attachment" in download["Content-Disposition"]


@pytest.mark.parametrize(
    "name, args",
    [
        ("inspections:report_list", []),
        ("inspections:report_detail", ["pk"]),
        ("inspections:report_download", ["pk"]),
    ],
)
def test_unit_users_get_404_everywhere(client, ledger, report, name, args):
    url = reverse(name, args=[report.pk if a == "pk" else a for a in args])
    for user in (ledger.water_contact, ledger.town_contact):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(ledger.water_contact)
    assert client.post(reverse("inspections:report_generate"), {"report_date": "2026-06-01"}).status_code == 404


def test_anonymous_is_sent_to_login(client, report):
    response = client.get(reverse("inspections:report_detail", args=[report.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_missing_report_is_404(client, ledger):
    client.force_login(ledger.bureau)
    assert client.get(reverse("inspections:report_detail", args=[999])).status_code == 404
    assert client.get(reverse("inspections:report_download", args=[999])).status_code == 404


def test_a_pending_report_page_polls_and_has_no_download(client, ledger):
    pending = DispatchReport.objects.create(report_date=DAY)
    client.force_login(ledger.leader)
    page = client.get(reverse("inspections:report_detail", args=[pending.pk]))
    assert 'hx-trigger="every 3s"' in page.text
    assert client.get(reverse("inspections:report_download", args=[pending.pk])).status_code == 404


def test_the_status_poll_keeps_polling_then_asks_htmx_to_reload_when_done(client, ledger, report):
    pending = DispatchReport.objects.create(report_date=date(2026, 5, 31))
    client.force_login(ledger.bureau)
    poll = client.get(reverse("inspections:report_detail", args=[pending.pk]), headers={"HX-Request": "true"})
    assert poll.status_code == 200 and 'hx-trigger="every 3s"' in poll.text and "HX-Refresh" not in poll
    done = client.get(reverse("inspections:report_detail", args=[report.pk]), headers={"HX-Request": "true"})
    # A response header, not an inline <script>: the Content-Security-Policy blocks inline scripts.
    assert done.status_code == 200 and done["HX-Refresh"] == "true" and "<script" not in done.text
    assert "HX-Refresh" not in client.get(reverse("inspections:report_detail", args=[report.pk]))


def test_bureau_generates_a_past_week_on_demand(client, ledger, eager_celery, django_capture_on_commit_callbacks):
    client.force_login(ledger.bureau)
    with at(date(2026, 6, 20)), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inspections:report_generate"), {"report_date": "2026-06-07"})
    report = DispatchReport.objects.get(report_date=DAY)
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.status == JobStatus.DONE and report_file(report).is_file()
    assert report.requested_by == ledger.bureau
    # Asking again for the same date does not build it twice.
    with at(date(2026, 6, 20)), django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("inspections:report_generate"), {"report_date": "2026-06-07"})
    assert callbacks == [] and DispatchReport.objects.count() == 1


def test_leaders_read_but_do_not_generate(client, ledger):
    client.force_login(ledger.leader)
    response = client.post(reverse("inspections:report_generate"), {"report_date": "2026-06-07"})
    assert response.status_code == 403 and not DispatchReport.objects.exists()
    assert "生成通报" not in client.get(reverse("inspections:report_list")).text


@pytest.mark.parametrize(
    "value, message", [("", "请选择截至日期"), ("2026-13-40", "日期格式不正确"), ("2099-01-01", "不能晚于今天")]
)
def test_bad_dates_are_refused_in_chinese(client, ledger, value, message):
    client.force_login(ledger.bureau)
    with at(date(2026, 6, 20)):
        response = client.post(reverse("inspections:report_generate"), {"report_date": value})
    assert response.status_code == 400 and message in response.text
    assert not DispatchReport.objects.exists()


def test_list_queries_do_not_grow_with_reports(client, ledger, django_assert_max_num_queries):
    client.force_login(ledger.bureau)
    for day in range(1, 20):
        DispatchReport.objects.create(report_date=date(2026, 5, day), requested_by=ledger.bureau)
    # 8, plus the menu's to-do count (the tasks, and the 督办建议 / 督办 replies in one more)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("inspections:report_list")).status_code == 200
