"""The user admin for bureau staff: they manage accounts but cannot hand out superuser or admin rights."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.choices import Role, UnitKind
from accounts.models import User
from accounts.services import unit_create, user_create, user_role_group_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    city = unit_create(name="XX市生态环境局", code="CITY", kind=UnitKind.BUREAU)
    bureau = user_create(username="duchaban", password=None, role=Role.BUREAU, unit=city)
    user_role_group_sync(bureau)
    root = user_create(username="root", password=None, role=Role.ADMIN, is_superuser=True)
    user_role_group_sync(root)
    contact = user_create(username="nanshan", password=None, role=Role.UNIT, unit=city)
    return {"bureau": bureau, "root": root, "contact": contact, "city": city}


def request_as(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_bureau_staff_cannot_grant_admin_rights(people):
    model_admin = admin.site._registry[User]
    request = request_as(people["bureau"])
    form = model_admin.get_form(request, people["contact"])
    assert not {"is_superuser", "is_staff", "groups"} & set(form.base_fields)
    assert Role.ADMIN not in dict(form.base_fields["role"].choices)
    assert people["root"] not in model_admin.get_queryset(request)
    superuser_form = model_admin.get_form(request_as(people["root"]), people["contact"])
    assert {"is_superuser", "is_staff", "groups"} <= set(superuser_form.base_fields)
    assert Role.ADMIN in dict(superuser_form.base_fields["role"].choices)


def test_bureau_staff_opens_user_pages_but_not_the_superusers(client, people):
    client.force_login(people["bureau"])
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_change", args=[people["contact"].pk])).status_code == 200
    response = client.get(reverse("admin:accounts_user_change", args=[people["root"].pk]))
    assert response.status_code == 302  # "does not exist" for this user, back to the index


def test_changing_the_role_in_the_admin_syncs_groups_and_staff_flag(client, people):
    contact = people["contact"]
    client.force_login(people["root"])
    url = reverse("admin:accounts_user_change", args=[contact.pk])
    data = {
        "username": contact.username,
        "full_name": "赵联络员",
        "email": "",
        "phone": "",
        "unit": people["city"].pk,
        "role": Role.BUREAU,
        "is_active": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "08:00:00",
        "initial-date_joined_0": "2024-01-01",
        "initial-date_joined_1": "08:00:00",
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("admin:accounts_user_changelist"), (
        response.content.decode()[:3000]
    )
    contact.refresh_from_db()
    assert contact.role == Role.BUREAU and contact.is_staff
    assert list(contact.groups.values_list("name", flat=True)) == ["督察办"]


def test_bureau_staff_cannot_create_change_or_reset_accounts(client, people):
    contact = people["contact"]
    client.force_login(people["bureau"])
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "fake-leader", "role": Role.LEADER, "password1": "x" * 12, "password2": "x" * 12},
    )
    assert response.status_code == 403 and not User.objects.filter(username="fake-leader").exists()
    response = client.post(reverse("admin:accounts_user_change", args=[contact.pk]), {"role": Role.LEADER})
    assert response.status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[contact.pk])
    assert (
        client.post(password_url, {"password1": "Neues-Passwort-7", "password2": "Neues-Passwort-7"}).status_code == 403
    )
    assert client.post(reverse("admin:accounts_user_delete", args=[contact.pk]), {"post": "yes"}).status_code == 403
    contact.refresh_from_db()
    assert contact.role == Role.UNIT and not contact.has_usable_password()
    assert not people["bureau"].has_perm("accounts.change_user")


def test_an_administrator_manages_accounts_and_a_password_reset_is_in_the_history(client, people):
    admin_user = user_create(username="guanliyuan", password=None, role=Role.ADMIN, full_name="管理员")
    user_role_group_sync(admin_user)
    contact = people["contact"]
    client.force_login(admin_user)
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert client.post(reverse("admin:accounts_user_delete", args=[contact.pk]), {"post": "yes"}).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[contact.pk])
    response = client.post(password_url, {"password1": "Neues-Passwort-7", "password2": "Neues-Passwort-7"})
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert contact.check_password("Neues-Passwort-7") and contact.password_changed_at is not None
    latest = contact.history.order_by("-history_date").first()
    assert latest.password_changed_at == contact.password_changed_at and latest.history_user == admin_user
