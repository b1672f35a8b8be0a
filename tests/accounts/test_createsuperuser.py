"""`manage.py createsuperuser` on a fresh database gives an administrator who can open the admin."""

import pytest
from django.core.management import call_command

from accounts.choices import Role
from accounts.models import User

pytestmark = pytest.mark.django_db


def test_createsuperuser_gets_the_admin_role_and_logs_into_the_admin(client, monkeypatch):
    assert not User.objects.exists()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Ein-langes-Passwort-2026")
    call_command("createsuperuser", "--noinput", username="root", email="root@example.org", verbosity=0)
    root = User.objects.get(username="root")
    assert (root.role, root.unit, root.is_superuser, root.is_staff) == (Role.ADMIN, None, True, True)
    # The admin's own login form (the lockout backend needs the request that client.login lacks).
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": "Ein-langes-Passwort-2026"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_superuser_cannot_be_given_another_role():
    with pytest.raises(ValueError):
        User.objects.create_superuser("root", password="x", role=Role.UNIT)
