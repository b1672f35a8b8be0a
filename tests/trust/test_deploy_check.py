"""Production settings pass Django's deployment checklist (`manage.py check --deploy`)."""

import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "duchaban.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://duchaban.example.gov.cn",
    "DATABASE_URL": "postgres://rectify:not-used@db.invalid:5432/rectify",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}


def run_manage(tmp_path, *args, **env):
    """Run manage.py in a clean environment: nothing leaks in from the test run (which has DEBUG=1)."""
    clean = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "RECTIFY_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_variables(tmp_path):
    result = run_manage(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(64), **PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_would_catch_debug_left_on(tmp_path):
    """The same command fails when a production setting is wrong, so the test above can fail."""
    result = run_manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(64),
        **{**PRODUCTION_ENV, "DEBUG": "1"},
    )
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on in deployment
    assert "security.W012" in result.stdout + result.stderr  # session cookie not secure


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage(tmp_path, "check", **PRODUCTION_ENV)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_cookies_and_headers(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_CONTENT_TYPE_NOSNIFF, s.X_FRAME_OPTIONS, "
        "s.SECURE_REFERRER_POLICY, s.SESSION_COOKIE_AGE <= 8 * 3600, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    )
    result = run_manage(tmp_path, "shell", "-c", code, SECRET_KEY=secrets.token_urlsafe(64), **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "True",
        "DENY",
        "same-origin",
        "True",
        "True",
    ]
