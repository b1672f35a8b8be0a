"""The admin in Chinese and in Beijing time (issue 18 item 13): django-axes' pages and labels, the task list's
任务编号 column (was "CODE"), API tokens' columns, beat's schedules explained, times in Asia/Shanghai."""

import re
from datetime import UTC, datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule

from accounts.models import User
from inspections.beat_admin import crontab_in_words
from inspections.models import RectificationTask, TaskEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, demo_ledger):
    client.force_login(User.objects.get(username="admin"))
    now = timezone.now()
    common = {"username": "guess", "ip_address": "10.0.0.9", "user_agent": "ua", "http_accept": "*/*", "path_info": "/"}
    AccessAttempt.objects.create(**common, attempt_time=now, failures_since_start=3, get_data="", post_data="")
    AccessLog.objects.create(**common, attempt_time=now)
    AccessFailureLog.objects.create(**common, attempt_time=now)
    return client


def text_of(response) -> str:
    assert response.status_code == 200
    html = re.sub(r"<(script|style|select)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


ENGLISH_LABELS = (
    "Axes",
    "Access attempts",
    "Access logs",
    "Access failures",
    "IP Address",
    "User Agent",
    "Attempt Time",
    "Failed Logins",
    "Logout Time",
    "Locked Out",
    "Meta Data",
    "Form Data",
    "Model name",
    "Add link",
    "Task Name",
    "Scheduler",
    "Human readable",
    "Crontab translation",
    "Execution Options",
)


def test_admin_pages_of_axes_beat_and_tokens_have_no_english_labels(superuser_client):
    client = superuser_client
    urls = [reverse("admin:index")]
    for name in ("axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"):
        urls.append(reverse(f"admin:{name}_changelist"))
        model = {"axes_accessattempt": AccessAttempt, "axes_accesslog": AccessLog}.get(name, AccessFailureLog)
        urls.append(reverse(f"admin:{name}_change", args=[model.objects.first().pk]))
    for name in ("periodictask", "crontabschedule", "intervalschedule", "solarschedule", "clockedschedule"):
        urls.append(reverse(f"admin:django_celery_beat_{name}_changelist"))
    from django_celery_beat.models import PeriodicTask

    urls.append(reverse("admin:django_celery_beat_periodictask_change", args=[PeriodicTask.objects.first().pk]))
    urls.append(reverse("admin:accounts_apitoken_changelist"))
    for url in urls:
        text = text_of(client.get(url))
        found = [label for label in ENGLISH_LABELS if label in text]
        assert found == [], url
    index = text_of(client.get(reverse("admin:index")))
    assert "登录防护" in index and "登录尝试" in index
    assert "系统按计划自动运行的后台工作" in index  # beat's models explained on the index
    tokens = text_of(client.get(reverse("admin:accounts_apitoken_changelist")))
    assert "created" not in tokens and "expiry" not in tokens.replace("?expiry", "")


def test_task_changelist_says_任务编号_not_code(superuser_client):
    html = superuser_client.get(reverse("admin:inspections_rectificationtask_changelist")).content.decode()
    assert "任务编号" in html
    assert not re.search(r"column-code\b|>\s*Code\s*<", html)


def test_beat_lists_explain_their_model_and_crontabs_read_in_chinese(superuser_client):
    text = text_of(superuser_client.get(reverse("admin:django_celery_beat_crontabschedule_changelist")))
    assert "按“分 时 日 月 星期”规定的运行时间" in text
    assert "Asia/Shanghai" in text and " AM " not in text
    crontab = CrontabSchedule(minute="15", hour="3", day_of_week="*", day_of_month="*", month_of_year="*")
    assert crontab_in_words(crontab).startswith("在 03:15")
    weekly = CrontabSchedule(minute="0", hour="8", day_of_week="1", day_of_month="*", month_of_year="*")
    assert "星期一" in crontab_in_words(weekly)


def test_inline_times_are_beijing_time_like_the_rest_of_the_page(superuser_client):
    task = RectificationTask.objects.order_by("pk").first()
    event = TaskEvent.objects.filter(task=task).order_by("pk").first()
    TaskEvent.objects.filter(pk=event.pk).update(at=datetime(2026, 12, 3, 0, 30, tzinfo=UTC))
    event.refresh_from_db()
    assert str(event).endswith("2026-12-03 08:30")  # the inline row's title, as the admin shows it
    html = superuser_client.get(reverse("admin:inspections_rectificationtask_change", args=[task.pk])).content
    text = html.decode()
    assert "2026-12-03 08:30" in text and "2026-12-03 00:30" not in text


def test_group_permissions_are_listed_in_chinese(superuser_client):
    from django.contrib.auth.models import Group

    group = Group.objects.order_by("pk").first()
    text = superuser_client.get(reverse("admin:auth_group_change", args=[group.pk])).content.decode()
    assert "Can add" not in text and "Can change" not in text
    assert "登录防护 | 新增 登录尝试" in text


def test_a_form_with_errors_is_titled_in_chinese(superuser_client):
    response = superuser_client.post(reverse("admin:inspections_holiday_add"), {"day": "", "name": ""})
    assert "<title>错误：" in response.content.decode()
