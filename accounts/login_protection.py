"""Slows down, never locks, repeated failed logins on one account (the page, the admin and /api/token/).

django-axes blocks a client *address* that keeps failing; this layer bounds guessing at one *account*
from many addresses without giving anyone a way to lock a user out: after LOGIN_SLOWDOWN_AFTER failures
on a username, each further try must wait 2, 4, 8 ... seconds (at most LOGIN_SLOWDOWN_MAX_SECONDS) after
the last failure, and the right password after the wait works. A try that comes too early is refused
without looking at the password and does not add to the count. Unknown usernames are counted the same
way, so the delay does not tell which accounts exist.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone

from .credentials import LoginThrottle


def _key(username) -> str:
    return str(username or "").strip().casefold()[:150]


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_SLOWDOWN_WINDOW_MINUTES)


def delay_after(failures: int) -> int:
    """Seconds to wait after the last of `failures` consecutive failures."""
    extra = failures - settings.LOGIN_SLOWDOWN_AFTER
    if extra < 0:
        return 0
    return min(2 ** min(extra + 1, 30), settings.LOGIN_SLOWDOWN_MAX_SECONDS)


def login_retry_after(username) -> int:
    """Seconds `username` must still wait before its next login attempt; 0 means try now."""
    row = LoginThrottle.objects.filter(username=_key(username)).first()
    now = timezone.now()
    if row is None or row.last_failure_at < now - _window():
        return 0
    wait = (row.last_failure_at + timedelta(seconds=delay_after(row.failures)) - now).total_seconds()
    return max(0, math.ceil(wait))


@transaction.atomic
def login_failure_record(username) -> None:
    now = timezone.now()
    stale = now - _window()
    LoginThrottle.objects.filter(last_failure_at__lt=stale).delete()  # keeps the table to recent names
    row, created = LoginThrottle.objects.select_for_update().get_or_create(
        username=_key(username), defaults={"failures": 1, "last_failure_at": now}
    )
    if not created:
        row.failures += 1
        row.last_failure_at = now
        row.save(update_fields=["failures", "last_failure_at"])


def login_success_record(username) -> None:
    LoginThrottle.objects.filter(username=_key(username)).delete()


class LoginSlowdownBackend:
    """Sits after axes' backend: refuses a too-early try (Django then reports the login as failed)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return None
        wait = login_retry_after(username)
        if wait:
            request.login_retry_after = wait  # read by LoginSlowdownMiddleware and the token view
            raise PermissionDenied
        request.login_password_checked = True  # the backends after this one look at the password
        return None  # never signs anyone in, so no get_user(): sessions keep naming UnitModelBackend


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Only failures where a password was really checked count: not the tries refused above, nor those
    # axes refused for a blocked address.
    if request is not None and getattr(request, "login_password_checked", False):
        login_failure_record(credentials.get("username"))


def on_logged_in(sender, request, user, **kwargs):
    login_success_record(user.get_username())


class LoginSlowdownMiddleware:
    """Turns a refused too-early login into a 429 page saying how long to wait (the API answers itself)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        wait = getattr(request, "login_retry_after", 0)
        if wait and response.status_code != 429:
            response = render(request, "accounts/slowed_down.html", {"seconds": wait}, status=429)
            response["Retry-After"] = str(wait)
        return response
