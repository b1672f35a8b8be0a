"""Production settings pass Django's deployment checklist (`manage.py check --deploy`)."""

import re
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


# --- the reverse proxy: only nginx is reachable, and the app trusts its headers only when declared ----

COMPOSE = settings.BASE_DIR / "docker-compose.yml"
NGINX_CONF = settings.BASE_DIR / "deploy" / "nginx" / "rectify.conf"


def compose_services() -> dict:
    import yaml

    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def nginx_directives(name: str) -> list[str]:
    """The arguments of every `name ...;` directive in the nginx config, comments removed."""
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text(encoding="utf-8"))
    return [m.group(1).strip() for m in re.finditer(rf"(?:^|[;{{}}\s]){name}\s+([^;{{}}]*);", text)]


def nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_only_the_proxy_publishes_ports():
    services = compose_services()
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}, published
    assert "ports" not in services["web"]
    assert services["proxy"]["image"].startswith("nginx")
    assert {p.split(":")[-1] for p in services["proxy"]["ports"]} == {"80", "443"}


def test_the_proxy_uses_the_config_file_in_the_repository():
    volumes = compose_services()["proxy"]["volumes"]
    conf = next(v for v in volumes if v.endswith(":/etc/nginx/conf.d/default.conf:ro"))
    assert (settings.BASE_DIR / conf.split(":")[0]).resolve() == NGINX_CONF.resolve()
    assert nginx_directives("proxy_pass") == ["http://rectify_web"]
    assert nginx_directives("server") == ["web:8000"]  # the upstream: gunicorn on the compose network


def test_the_app_is_told_it_sits_behind_one_proxy():
    environment = compose_services()["web"]["environment"]
    assert environment["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"


def test_nginx_sets_the_client_address_and_scheme():
    headers = dict(value.split(None, 1) for value in nginx_directives("proxy_set_header"))
    # Overwritten with the address nginx saw: a client's own X-Forwarded-For never reaches the app.
    assert headers["X-Forwarded-For"] == "$remote_addr"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["Host"] == "$host"


def test_nginx_body_limit_fits_the_upload_limit():
    (limit,) = nginx_directives("client_max_body_size")
    size = nginx_size(limit)
    assert size != 0  # 0 would mean unlimited
    # At least one evidence file of the largest allowed size plus the form around it, so the app (not
    # nginx with a bare 413 page) is what refuses an oversized file, with a readable message.
    assert size >= settings.EVIDENCE_MAX_BYTES + 1024**2


def test_nginx_leaves_the_security_headers_to_the_app():
    added = " ".join(nginx_directives("add_header")).lower()
    assert "content-security-policy" not in added and "strict-transport-security" not in added


def test_proxy_headers_are_trusted_only_when_a_proxy_is_declared(tmp_path):
    code = "from django.conf import settings as s; print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    env = {"SECRET_KEY": secrets.token_urlsafe(64), **PRODUCTION_ENV}
    alone = run_manage(tmp_path, "shell", "-c", code, **env)
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.strip().splitlines()[-1] == "None"
    behind = run_manage(tmp_path, "shell", "-c", code, TRUSTED_PROXY_COUNT="1", **env)
    assert behind.returncode == 0, behind.stderr
    assert behind.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_the_replica_streams_from_the_primary_and_the_app_can_be_pointed_at_it():
    """The two-node layout: db-replica is a hot standby of db (pg_basebackup -R through a slot), optional
    (a compose profile), unpublished, with its own volume; db lets it replicate; the app reads
    DATABASE_REPLICA_URL (empty by default: every read on db)."""
    services = compose_services()
    replica, primary = services["db-replica"], services["db"]
    assert replica["image"] == primary["image"]  # the same PostgreSQL major version: physical replication
    assert replica["profiles"] == ["replica"]
    assert "ports" not in replica
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    assert replica["environment"]["PRIMARY_HOST"] == "db"
    assert replica["environment"]["POSTGRES_PASSWORD"] == primary["environment"]["POSTGRES_PASSWORD"]
    data = next(v for v in replica["volumes"] if v.endswith(":/var/lib/postgresql/data"))
    assert data.split(":")[0] == "pgdata-replica" and data not in primary["volumes"]
    script = next(v for v in replica["volumes"] if v.split(":")[1] == replica["command"][-1])
    entrypoint = (settings.BASE_DIR / script.split(":")[0]).read_text(encoding="utf-8")
    assert re.search(r'pg_basebackup -h "\$PRIMARY_HOST" .*-R -X stream', entrypoint)
    assert "hot_standby=on" in entrypoint and "hot_standby_feedback=on" in entrypoint
    init = next(v for v in primary["volumes"] if "/docker-entrypoint-initdb.d/" in v)
    hba = (settings.BASE_DIR / init.split(":")[0]).read_text(encoding="utf-8")
    assert re.search(r"^host replication \$\{POSTGRES_USER\} all scram-sha-256$", hba, re.M)
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_REPLICA_URL"] == "${DATABASE_REPLICA_URL:-}"
    assert "pgdata-replica" in yaml_volumes()


def yaml_volumes() -> dict:
    import yaml

    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["volumes"]


def test_a_replica_url_adds_the_replica_database_and_its_router(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "r = s.DATABASES['replica']; "
        "print(r['HOST'], r['PORT'], r['NAME'], r['TEST']['MIRROR'], s.DATABASE_ROUTERS)"
    )
    env = {**PRODUCTION_ENV, "DATABASE_REPLICA_URL": "postgres://rectify:not-used@replica.invalid:5433/rectify"}
    result = run_manage(tmp_path, "shell", "-c", code, SECRET_KEY=secrets.token_urlsafe(64), **env)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip().splitlines()[-1]
        == "replica.invalid 5433 rectify default ['rectify.replica.ReplicaRouter']"
    )
    result = run_manage(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings as s; print(sorted(s.DATABASES))",
        SECRET_KEY=secrets.token_urlsafe(64),
        **PRODUCTION_ENV,
    )
    assert result.stdout.strip().splitlines()[-1] == "['default']"
