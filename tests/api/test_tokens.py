"""API tokens: obtained with a password or on the token page, hashed, expiring, revoked with the password."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_issue

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def obtain(username="zhujian", password=PASSWORD, **extra):
    return APIClient().post("/api/token/", {"username": username, "password": password, **extra}, format="json")


def api_as(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def works(key) -> bool:
    return api_as(key).get("/api/me/").status_code == 200


def test_obtain_token_with_password_and_use_it(world):
    response = obtain(name="省级平台对接")
    assert response.status_code == 200
    body = response.json()
    key = body["token"]
    assert body["name"] == "省级平台对接" and body["created"] and body["expiry"]
    assert response["Cache-Control"] == "no-store"
    client = api_as(key)
    assert client.get("/api/me/").json()["username"] == "zhujian"
    # A token-authenticated write needs no CSRF token.
    response = client.post(
        f"/api/tasks/{world.task.pk}/start/", {"expected_version": world.task.version}, format="json"
    )
    assert response.status_code == 200


def test_each_call_makes_a_new_token_and_never_hands_out_an_old_one(world):
    """Issue 14 item 8: /api/token/ gave the existing token to anyone with the password."""
    first = obtain().json()["token"]
    second = obtain().json()["token"]
    assert first != second
    assert works(first) and works(second)  # the first client keeps working
    assert ApiToken.objects.filter(user=world.users["unit"]).count() == 2


def test_only_a_digest_of_the_key_is_stored(world):
    key = obtain().json()["token"]
    token = ApiToken.objects.get(user=world.users["unit"])
    assert token.digest == hashlib.sha512(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values().get())


def test_a_token_expires_after_the_configured_days(world, settings):
    assert settings.API_TOKEN_DAYS == 90
    key = obtain().json()["token"]
    token = ApiToken.objects.get(user=world.users["unit"])
    assert abs(token.expiry - (token.created + timedelta(days=90))) < timedelta(seconds=5)
    with time_machine.travel(timezone.now() + timedelta(days=89)):
        assert works(key)
    with time_machine.travel(timezone.now() + timedelta(days=90, minutes=1)):
        response = api_as(key).get("/api/me/")
        assert response.status_code == 401
    assert not ApiToken.objects.filter(pk=token.pk).exists()  # an expired token is deleted when seen


def test_changing_the_password_on_the_page_revokes_every_token(world):
    user = world.users["unit"]
    keys = [obtain().json()["token"], api_token_issue(user=user)[1]]
    client = Client()
    client.force_login(user)
    new = "Lan-Shui-Qing-2026!"
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert not any(works(key) for key in keys)
    assert not ApiToken.objects.filter(user=user).exists()
    assert works(obtain(password=new).json()["token"])  # a new one can be had with the new password


@pytest.mark.parametrize("how", ["set_password_form", "password_change_form", "set_password", "unusable"])
def test_every_way_of_changing_the_password_revokes_tokens(world, how):
    user = world.users["unit"]
    other = world.users["other_unit"]
    _, key = api_token_issue(user=user)
    _, other_key = api_token_issue(user=other)
    new = "Lan-Shui-Qing-2026!"
    if how == "set_password_form":  # the admin's "change password" form
        form = SetPasswordForm(user, {"new_password1": new, "new_password2": new})
        assert form.is_valid(), form.errors
        form.save()
    elif how == "password_change_form":
        form = PasswordChangeForm(user, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
        assert form.is_valid(), form.errors
        form.save()
    elif how == "set_password":  # manage.py changepassword, scripts
        user.set_password(new)
        user.save()
    else:
        user.set_unusable_password()
        user.save()
    assert not works(key)
    assert works(other_key)  # nobody else's


def test_deactivating_a_user_revokes_their_tokens(world):
    user = world.users["unit"]
    _, key = api_token_issue(user=user)
    user.is_active = False
    user.save()
    assert not ApiToken.objects.filter(user=user).exists()
    user.is_active = True
    user.save()
    assert not works(key)  # reactivation does not bring them back


def test_logging_in_or_saving_other_fields_keeps_tokens(world):
    user = world.users["unit"]
    _, key = api_token_issue(user=user)
    user.full_name = "李联络员（新）"
    user.save()
    response = Client().post("/accounts/login/", {"username": "zhujian", "password": PASSWORD})  # sets last_login
    assert response.status_code == 302
    assert works(key)


def test_wrong_password_gives_no_token(world):
    response = obtain(password="wrong")
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]
    assert not ApiToken.objects.exists()


def test_bad_token_is_401(world):
    response = api_as("not-a-real-token").get("/api/tasks/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_inactive_user_token_stops_working(world):
    token, key = api_token_issue(user=world.users["unit"])
    type(world.users["unit"]).objects.filter(pk=world.users["unit"].pk).update(is_active=False)  # behind signals
    assert api_as(key).get("/api/tasks/").status_code == 401


def test_token_page_creates_shows_once_lists_and_revokes(world):
    user = world.users["other_unit"]
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/tokens/")
    assert page.status_code == 200 and "生成令牌" in page.content.decode()
    created = client.post("/accounts/tokens/", {"action": "issue", "name": "数据对接"})
    assert created["Cache-Control"].startswith("max-age=0") and "no-store" in created["Cache-Control"]
    key = created.context["new_key"]
    assert key in created.content.decode() and works(key)
    listing = client.get("/accounts/tokens/").content.decode()
    assert key not in listing  # shown only once
    assert "数据对接" in listing and key[:8] in listing
    client.post("/accounts/tokens/", {"action": "issue"})
    assert ApiToken.objects.filter(user=user).count() == 2 and works(key)  # a second one beside the first
    first = ApiToken.objects.get(user=user, name="数据对接")
    response = client.post("/accounts/tokens/", {"action": "revoke", "token": first.digest})
    assert response.status_code == 302
    assert not works(key) and ApiToken.objects.filter(user=user).count() == 1
    client.post("/accounts/tokens/", {"action": "revoke_all"})
    assert not ApiToken.objects.filter(user=user).exists()


def test_token_page_needs_login(world):
    response = Client().get("/accounts/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_token_page_touches_only_my_tokens(world):
    other, other_key = api_token_issue(user=world.users["unit"])
    client = Client()
    client.force_login(world.users["other_unit"])
    assert other.token_key[:8] not in client.get("/accounts/tokens/").content.decode()
    client.post("/accounts/tokens/", {"action": "revoke", "token": other.digest})
    client.post("/accounts/tokens/", {"action": "revoke_all"})
    assert works(other_key)


def test_admins_list_and_revoke_any_token_in_the_admin(world):
    token, key = api_token_issue(user=world.users["unit"], name="脚本")
    admin = world.users["admin"]
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert token.token_key[:8] in listing.content.decode() and key not in listing.content.decode()
    response = client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not works(key)


def test_bureau_staff_do_not_see_others_tokens_in_the_admin(world):
    from accounts.services import user_role_group_sync

    api_token_issue(user=world.users["unit"])
    bureau = world.users["bureau"]
    user_role_group_sync(bureau)  # staff, with the bureau group's permissions
    client = Client()
    client.force_login(bureau)
    assert client.get("/admin/accounts/apitoken/").status_code == 403
    assert client.get("/admin/accounts/passwordhistory/").status_code == 404


def test_token_endpoint_is_behind_the_login_protection(world, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        obtain(username=f"nobody{n}", password="guess")
    response = obtain()
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and "暂停登录" in response.json()["detail"]
    assert not ApiToken.objects.exists()
