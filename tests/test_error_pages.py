"""The error pages are the product's own, in the user's language, under the same Content-Security-Policy."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error
from i18n_data import bureau_with_one_task

from accounts.models import User
from inspections.models import RectificationTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False  # Django's technical pages only appear in development


@pytest.fixture
def staff():
    return bureau_with_one_task()


def test_unknown_address_gives_the_chinese_404_page(client, staff, production):
    client.force_login(staff)
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_404_page_in_english(client, staff, production):
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    page = client.get("/no-such-page/").content.decode()
    assert "Page not found" in page and "页面不存在" not in page


def test_anonymous_404_page_renders_without_the_menu(client, production):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_refused_action_shows_the_services_reason(client, staff, production):
    client.force_login(User.objects.get(username="leader"))
    task = RectificationTask.objects.get()
    response = client.get(reverse("inspections:task_edit", args=[task.pk]))
    page = response.content.decode()
    assert response.status_code == 403
    assert "无权操作" in page and "只有督察办工作人员可以修改整改任务" in page


def test_form_without_a_valid_csrf_token_explains_what_to_do(staff, production):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    task = RectificationTask.objects.get()
    response = browser.post(reverse("inspections:task_progress", args=[task.pk]), {"text": "进展", "percent": 10})
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in page and "刷新后重新提交" in page
    assert "<style" not in page  # Django's own CSRF page carries an inline <style> the policy would block


def test_server_error_page_needs_no_request_context(production):
    response = server_error(RequestFactory().get("/tasks/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "系统出错（500）" in page and "Server error" in page
    assert "<style" not in page and "style=" not in page
