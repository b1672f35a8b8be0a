"""API tokens: obtained with a password, managed by the user on a page, used with the Authorization header."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_obtain_token_with_password_and_use_it(world):
    client = APIClient()
    response = client.post("/api/token/", {"username": "zhujian", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=world.users["unit"]).key == key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/me/").json()["username"] == "zhujian"
    # A token-authenticated write needs no CSRF token.
    response = client.post(
        f"/api/tasks/{world.task.pk}/start/", {"expected_version": world.task.version}, format="json"
    )
    assert response.status_code == 200


def test_wrong_password_gives_no_token(world):
    response = APIClient().post("/api/token/", {"username": "zhujian", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]
    assert not Token.objects.exists()


def test_bad_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/tasks/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_inactive_user_token_stops_working(world):
    token = Token.objects.create(user=world.users["unit"])
    world.users["unit"].is_active = False
    world.users["unit"].save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/tasks/").status_code == 401


def test_token_page_creates_shows_once_and_revokes(world):
    client = Client()
    client.force_login(world.users["other_unit"])
    page = client.get("/accounts/tokens/")
    assert page.status_code == 200 and "生成令牌" in page.content.decode()
    created = client.post("/accounts/tokens/", {"action": "issue"})
    key = Token.objects.get(user=world.users["other_unit"]).key
    assert key in created.content.decode()
    assert key not in client.get("/accounts/tokens/").content.decode()  # shown only once
    client.post("/accounts/tokens/", {"action": "issue"})
    assert Token.objects.get(user=world.users["other_unit"]).key != key  # replaced: the old one is dead
    response = client.post("/accounts/tokens/", {"action": "revoke"})
    assert response.status_code == 302
    assert not Token.objects.filter(user=world.users["other_unit"]).exists()


def test_token_page_needs_login(world):
    response = Client().get("/accounts/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_token_page_touches_only_my_token(world):
    other = Token.objects.create(user=world.users["unit"])
    client = Client()
    client.force_login(world.users["other_unit"])
    client.post("/accounts/tokens/", {"action": "revoke"})
    assert Token.objects.filter(pk=other.pk).exists()


def test_admins_manage_tokens_in_the_admin(world):
    token = Token.objects.create(user=world.users["unit"])
    admin = world.users["admin"]
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200 and token.key in listing.content.decode()
    response = client.post(f"/admin/authtoken/tokenproxy/{world.users['unit'].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()


def test_token_endpoint_is_behind_the_login_lockout(world, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/token/", {"username": "zhujian", "password": "guess"}, format="json")
    response = client.post("/api/token/", {"username": "zhujian", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and "锁定" in response.json()["detail"]
    assert not Token.objects.exists()
