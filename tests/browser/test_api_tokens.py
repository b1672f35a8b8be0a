"""A user creates an API token on the token page, uses it, and reads the local Swagger UI (no CDN)."""

import pytest

from accounts.choices import Role
from accounts.models import ApiToken
from accounts.services import user_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rectify@2026"


def _errors(page):
    # base.html declares no favicon, so Chromium's automatic /favicon.ico request is a 404.
    return [e for e in page.console_errors if "404 (Not Found)" not in e]


@pytest.fixture
def bureau_user(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return user_create(username="duchaban", password=PASSWORD, role=Role.BUREAU, full_name="王督察")


def _log_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/?next=/accounts/tokens/")
    page.fill("input[name=username]", "duchaban")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/accounts/tokens/")


def test_create_use_and_revoke_a_token(page, live_server, bureau_user, screenshot_dir):
    _log_in(page, live_server)
    page.fill("input[name=name]", "省级平台对接")
    page.get_by_role("button", name="生成令牌").click()
    key = page.get_by_test_id("token-key").inner_text().strip()
    page.screenshot(path=screenshot_dir / "api-token-created.png", full_page=True)
    token = ApiToken.objects.get(user=bureau_user)
    assert token.name == "省级平台对接" and key.startswith(token.token_key)

    response = page.request.get(f"{live_server.url}/api/me/", headers={"Authorization": f"Token {key}"})
    assert response.status == 200 and response.json()["username"] == "duchaban"

    # Shown once: reloading the list shows only the start of the key, with its expiry.
    page.goto(f"{live_server.url}/accounts/tokens/")
    listing = page.get_by_test_id("token-list")
    assert key not in page.content() and key[:8] in listing.inner_text() and "省级平台对接" in listing.inner_text()

    page.get_by_role("button", name="吊销", exact=True).click()
    page.wait_for_selector("text=您还没有 API 令牌")
    assert not ApiToken.objects.filter(user=bureau_user).exists()
    response = page.request.get(f"{live_server.url}/api/me/", headers={"Authorization": f"Token {key}"})
    assert response.status == 401
    assert _errors(page) == []


def test_swagger_ui_renders_from_local_files(page, live_server, bureau_user, screenshot_dir):
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path >> text=/api/tasks/{id}/submit/", timeout=30000)
    page.screenshot(path=screenshot_dir / "api-swagger-ui.png")
    assert page.locator(".opblock").count() >= 26
    assert _errors(page) == []
