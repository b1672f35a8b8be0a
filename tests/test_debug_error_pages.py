"""Issue 18 item 8: the quick start (DEBUG=1) shows the product's own 404/403/500 pages; Django's technical
pages only when DEBUG_ERROR_PAGES=1 asks for them."""

import pytest
from django.urls import reverse
from i18n_data import bureau_with_one_task

from accounts.models import User
from inspections.models import RectificationTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def quick_start(settings):
    settings.DEBUG = True
    settings.DEBUG_ERROR_PAGES = False


@pytest.fixture
def staff():
    return bureau_with_one_task()


def test_unknown_address_shows_the_product_404(client, staff, quick_start):
    client.force_login(staff)
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page
    assert "Using the URLconf" not in page and "Django" not in page


def test_a_task_one_may_not_see_shows_the_product_404(client, staff, quick_start):
    task = RectificationTask.objects.get()
    client.force_login(staff)
    response = client.get(reverse("inspections:task_detail", args=[task.pk + 1000]))  # raised by access_task
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() and "Raised by" not in response.content.decode()


def test_refusal_shows_the_product_403(client, staff, quick_start):
    client.force_login(User.objects.get(username="leader"))
    task = RectificationTask.objects.get()
    response = client.get(reverse("inspections:task_edit", args=[task.pk]))
    assert response.status_code == 403 and "无权操作" in response.content.decode()


def test_uncaught_error_shows_the_product_500_and_logs_the_traceback(client, staff, quick_start, caplog):
    client.raise_request_exception = False
    client.force_login(staff)
    from unittest import mock

    with mock.patch("inspections.views.notifications.render", side_effect=RuntimeError("boom")):
        response = client.get(reverse("inspections:notification_list"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "系统出错（500）" in page and "Traceback" not in page and "boom" not in page
    assert any(record.exc_info and "boom" in str(record.exc_info[1]) for record in caplog.records)


def test_debug_error_pages_on_request(client, staff, settings):
    settings.DEBUG = True
    settings.DEBUG_ERROR_PAGES = True
    client.force_login(staff)
    page = client.get("/no-such-page/").content.decode()
    assert "Using the URLconf" in page  # Django's technical 404
    client.raise_request_exception = False
    from unittest import mock

    with mock.patch("inspections.views.notifications.render", side_effect=RuntimeError("boom")):
        response = client.get(reverse("inspections:notification_list"))
    assert response.status_code == 500 and "Traceback" in response.content.decode()


def test_middleware_is_idle_in_production(client, staff, settings):
    settings.DEBUG = False
    client.force_login(staff)
    assert "页面不存在" in client.get("/no-such-page/").content.decode()
