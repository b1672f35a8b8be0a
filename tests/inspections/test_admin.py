"""The admin with the demo ledger: every changelist and change page opens for a superuser and for bureau staff."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.services import user_create, user_role_group_sync
from inspections.models import InspectionRound

pytestmark = pytest.mark.django_db

LEDGER_APPS = {"accounts", "inspections"}
ADMIN_ONLY_MODELS = {"ApiToken"}


@pytest.fixture
def demo(demo_ledger, db):
    return demo_ledger


def admin_pages(apps=None):
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if apps is not None and meta.app_label not in apps:
            continue
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        yield model, reverse(f"{prefix}_changelist")
        obj = model._default_manager.order_by("-pk").first()
        if obj is not None:
            yield model, reverse(f"{prefix}_change", args=[obj.pk])
            if hasattr(model_admin, "history_view"):
                yield model, reverse(f"{prefix}_history", args=[obj.pk])


def open_all(client, apps=None):
    failures = []
    opened = 0
    for model, url in admin_pages(apps):
        response = client.get(url)
        opened += 1
        if response.status_code != 200:
            failures.append((model.__name__, url, response.status_code))
    return opened, failures


def test_superuser_opens_every_admin_page(client, demo):
    client.force_login(User.objects.get(username="admin"))
    opened, failures = open_all(client)
    assert failures == []
    assert opened > 20


def test_bureau_staff_opens_every_ledger_page(client, demo):
    staff = user_create(username="duchaban2", password=None, role=Role.BUREAU, full_name="钱督察")
    user_role_group_sync(staff)
    assert staff.is_staff and not staff.is_superuser
    client.force_login(staff)
    opened, failures = open_all(client, LEDGER_APPS)
    # Everyone's API tokens are for administrators only (accounts/token_admin.py).
    assert failures == [(name, url, 403) for name, url, _ in failures if name in ADMIN_ONLY_MODELS]
    assert opened >= 3 * 9


def test_round_changelist_lists_the_five_rounds(client, demo):
    client.force_login(User.objects.get(username="duchaban"))
    response = client.get(reverse("admin:inspections_inspectionround_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    names = list(InspectionRound.objects.values_list("name", flat=True))
    assert len(names) == 5
    for name in names:
        assert name in page, name


def test_task_search_and_filters(client, demo):
    client.force_login(User.objects.get(username="duchaban"))
    url = reverse("admin:inspections_rectificationtask_changelist")
    for query in ({"q": "污水"}, {"status__exact": "closed"}, {"deadline_kind__exact": "immediate"}):
        assert client.get(url, query).status_code == 200


@pytest.mark.parametrize("username", ["leader", "zhujian", "nanshan"])
def test_other_roles_do_not_get_the_admin(client, demo, username):
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse("admin:inspections_rectificationtask_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
