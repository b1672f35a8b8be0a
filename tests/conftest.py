"""Fixtures shared by the whole suite that do not depend on any app's models."""

import pytest


def pytest_report_header(config):
    """Say which database the run uses, so a log shows at a glance it ran on PostgreSQL."""
    from django.db import connection

    vendor = connection.vendor
    try:
        from pytest_django.plugin import blocking_manager_key

        # pytest-django blocks database access outside tests; the header is not a test.
        with config.stash[blocking_manager_key].unblock():
            with connection.cursor() as cursor:
                if vendor == "postgresql":
                    cursor.execute("SHOW server_version")
                else:
                    cursor.execute("SELECT sqlite_version()")
                version = cursor.fetchone()[0]
            connection.close()
    except Exception as exc:
        version = f"version unknown: {exc.__class__.__name__}: {exc}"
    if vendor == "postgresql":
        version = f"PostgreSQL {version}"
    elif vendor == "sqlite":
        version = f"SQLite {version}"
    return f"database: {vendor} ({version})"


@pytest.fixture(autouse=True)
def _isolated_file_roots(settings, tmp_path):
    """Uploaded evidence and generated exports go to this test's own temp dir, never var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.MEDIA_ROOT.mkdir()
    settings.EXPORT_ROOT.mkdir()


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process for this test, whatever REDIS_URL says (scripts/test.sh sets one)."""
    from rectify.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (zh-hans): a request or a test that switched to
    English leaves the thread's active language behind, and lazy messages would follow it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """MD5 for speed (production strength costs ~0.3 s a user); PBKDF2 still checks passwords hashed before
    this fixture ran (module-scoped fixtures such as the demo ledger)."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
