"""Settings come from the environment with safe defaults; migrations match the models."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

REPO = Path(__file__).resolve().parent.parent
PROBE = """
import json, django
from django.conf import settings
django.setup()
from rectify.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "debug": settings.DEBUG,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER, "broker": settings.CELERY_BROKER_URL,
    "celery_eager": app.conf.task_always_eager, "hosts": settings.ALLOWED_HOSTS,
    "language": settings.LANGUAGE_CODE, "tz": settings.TIME_ZONE, "secure_cookie": settings.SESSION_COOKIE_SECURE,
    "red_gap": settings.RED_GAP, "evidence_max": settings.EVIDENCE_MAX_BYTES,
}))
"""
CLEARED = (
    "DATABASE_URL",
    "REDIS_URL",
    "TEST_REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "RED_GAP",
    "EVIDENCE_MAX_MB",
    "MEDIA_ROOT",
    "EXPORT_ROOT",
    "STATIC_ROOT",
)


def run_settings(tmp_path, **env):
    environ = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environ.update(DJANGO_SETTINGS_MODULE="rectify.settings", RECTIFY_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=environ, capture_output=True, text=True, timeout=120
    )


def probe(tmp_path, **env):
    result = run_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_in_debug_are_sqlite_and_eager_celery(tmp_path):
    got = probe(tmp_path, DEBUG="1")
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["name"] == str(tmp_path / "var" / "db.sqlite3")
    assert got["eager"] is True and got["celery_eager"] is True and got["broker"] == "memory://"
    assert got["debug"] is True and "127.0.0.1" in got["hosts"]
    assert (got["language"], got["tz"]) == ("zh-hans", "Asia/Shanghai")


def test_database_and_redis_urls_switch_to_postgresql_and_a_broker(tmp_path):
    got = probe(
        tmp_path,
        DEBUG="1",
        DATABASE_URL="postgres://rectify:pw@db.internal:5432/rectify",
        REDIS_URL="redis://cache.internal:6379/0",
    )
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["name"] == "rectify"
    assert got["eager"] is False and got["celery_eager"] is False
    assert got["broker"] == "redis://cache.internal:6379/0"


def test_production_needs_a_secret_key(tmp_path):
    result = run_settings(tmp_path, DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_production_has_no_default_hosts_and_secure_cookies(tmp_path):
    got = probe(tmp_path, DEBUG="0", SECRET_KEY="x" * 50)
    assert got["debug"] is False and got["hosts"] == [] and got["secure_cookie"] is True
    got = probe(tmp_path, DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="duchaban.example.gov.cn, 10.0.0.5")
    assert got["hosts"] == ["duchaban.example.gov.cn", "10.0.0.5"]


def test_domain_settings_come_from_the_environment(tmp_path):
    got = probe(tmp_path, DEBUG="1", RED_GAP="25", EVIDENCE_MAX_MB="5")
    assert (got["red_gap"], got["evidence_max"]) == (25, 5 * 1024 * 1024)


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
