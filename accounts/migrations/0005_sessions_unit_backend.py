"""Signed-in sessions made before accounts.backends.UnitModelBackend replaced Django's ModelBackend name the old
backend, which is no longer listed, so Django would sign those users out at the upgrade (a form being filled in
would be lost at its POST). This rewrites the backend they name; nothing else in them changes."""

from django.db import migrations
from django.utils import timezone

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "accounts.backends.UnitModelBackend"
KEY = "_auth_user_backend"  # django.contrib.auth.BACKEND_SESSION_KEY


def _rename(apps, source: str, target: str) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store.decode(session.session_data)  # {} for a row signed with another key or corrupt
        if data.get(KEY) == source:
            data[KEY] = target
            Session.objects.filter(pk=session.pk).update(session_data=store.encode(data))


def forwards(apps, schema_editor):
    _rename(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_superior_role"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
