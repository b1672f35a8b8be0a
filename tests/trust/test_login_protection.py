"""Login protection: lockout after repeated failures (django-axes), password rules, session expiry."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOCKED_TEXT = "连续 5 次登录失败，该账号已被临时锁定，请 30 分钟后再试"
WRONG_TEXT = "用户名或密码不正确"


@pytest.fixture
def alice(make_user, units):
    return make_user("alice", Role.UNIT, units["water"])


@pytest.fixture
def bob(make_user, units):
    return make_user("bob", Role.UNIT, units["town"])


def login(client, username, password, ip="127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, username, times, ip="127.0.0.1"):
    return [login(client, username, "wrong-password", ip) for _ in range(times)]


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_login_url_is_the_one_configured():
    assert reverse("login") == LOGIN


def test_four_failures_do_not_lock(client, alice, password):
    responses = fail(client, "alice", 4)
    assert [r.status_code for r in responses] == [200] * 4
    assert WRONG_TEXT in responses[-1].content.decode()

    response = login(client, "alice", password)
    assert response.status_code == 302 and logged_in(client)


def test_five_failures_lock_the_account_even_for_the_right_password(client, alice, password):
    *_, fifth = fail(client, "alice", 5)
    assert fifth.status_code == 429
    assert LOCKED_TEXT in fifth.content.decode()

    response = login(client, "alice", password)
    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()
    assert not logged_in(client)


def test_lockout_is_per_username_and_address(client, alice, bob, password):
    fail(client, "alice", 5)

    assert login(client, "bob", password).status_code == 302  # another user from the same address
    client.logout()
    assert login(client, "alice", password, ip="10.8.0.7").status_code == 302  # alice from elsewhere
    client.logout()
    assert login(client, "alice", password).status_code == 429  # still locked where it failed


def test_success_resets_the_failure_count(client, alice, password):
    fail(client, "alice", 4)
    assert login(client, "alice", password).status_code == 302
    client.logout()

    assert [r.status_code for r in fail(client, "alice", 4)] == [200] * 4
    assert login(client, "alice", password).status_code == 302


def test_lock_lifts_after_the_cool_off(client, alice, password):
    fail(client, "alice", 5)
    start = timezone.now()

    with time_machine.travel(start + timedelta(minutes=31)):
        assert login(client, "alice", password).status_code == 302
        assert logged_in(client)


def test_trying_during_the_lockout_restarts_the_cool_off(client, alice, password):
    fail(client, "alice", 5)
    start = timezone.now()

    with time_machine.travel(start + timedelta(minutes=29)):
        assert login(client, "alice", password).status_code == 429
    with time_machine.travel(start + timedelta(minutes=31)):
        assert login(client, "alice", password).status_code == 429  # 2 minutes after the last try
    with time_machine.travel(start + timedelta(minutes=62)):
        assert login(client, "alice", password).status_code == 302


def test_cool_off_setting_is_shown_on_the_lockout_page(client, alice, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=45)
    settings.AXES_FAILURE_LIMIT = 3
    *_, third = fail(client, "alice", 3)
    assert third.status_code == 429
    assert "连续 3 次登录失败，该账号已被临时锁定，请 45 分钟后再试" in third.content.decode()


def test_admin_can_unlock_with_axes_reset(client, alice, password):
    fail(client, "alice", 5)
    assert login(client, "alice", password).status_code == 429

    call_command("axes_reset", verbosity=0)

    assert login(client, "alice", password).status_code == 302


def test_admin_login_is_protected_too(client, bureau, password):
    for _ in range(5):
        client.post("/admin/login/", {"username": "duchaban", "password": "nope"}, REMOTE_ADDR="127.0.0.1")
    response = client.post("/admin/login/", {"username": "duchaban", "password": password}, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 429
    assert not logged_in(client)


# --- password rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Ab3-short", "密码太短，至少需要 10 个字符。"),
        ("password123", "这个密码太常见了。"),
        ("3141592653589", "密码只包含数字。"),
    ],
)
def test_password_change_enforces_the_validators(client, alice, password, new_password, message):
    client.force_login(alice)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(password)


def test_password_change_accepts_a_strong_password(client, alice, password):
    client.force_login(alice)
    new = "Lan-Shui-Qing-2026!"
    response = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": new,
            "new_password2": new,
        },
    )
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    client.logout()
    assert login(client, "alice", password).status_code == 200  # the old one no longer works
    assert login(client, "alice", new).status_code == 302


def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


# --- sessions --------------------------------------------------------------------------------


def test_session_cookie_lasts_until_the_browser_closes(client, alice, password):
    response = login(client, "alice", password)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert not cookie["max-age"] and not cookie["expires"]


def test_session_expires_after_eight_idle_hours(client, alice, password):
    login(client, "alice", password)
    page = reverse("password_change")
    start = timezone.now()

    with time_machine.travel(start + timedelta(hours=7, minutes=50)):
        assert client.get(page).status_code == 200  # activity renews the session
    with time_machine.travel(start + timedelta(hours=15, minutes=30)):
        assert client.get(page).status_code == 200  # 7h40 after the last request
    with time_machine.travel(start + timedelta(hours=23, minutes=40)):
        response = client.get(page)  # 8h10 idle
        assert response.status_code == 302 and response.url.startswith(LOGIN)
