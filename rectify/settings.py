"""Settings for the rectification tracker, read from environment variables.

Unset DATABASE_URL means the embedded SQLite default; unset REDIS_URL means Celery runs eagerly.
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL (see README).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RECTIFY_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# With DEBUG on, error pages are still the product's own (rectify/error_pages.py); 1 shows Django's
# technical 404 and traceback pages instead.
DEBUG_ERROR_PAGES = env_bool("DEBUG_ERROR_PAGES", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "django_celery_beat",
    "simple_history",
    "rectify.apps.AxesConfig",  # django-axes, named in Chinese in the admin
    "accounts",
    "inspections",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "rectify.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rectify.sessions.SessionRenewalMiddleware",  # renews the idle timeout when it moves by a minute or more
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rectify.request_limits.RequestSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "accounts.login_protection.LoginSlowdownMiddleware",
    # Innermost: sees a view's exception first. With DEBUG on, the product's own 404/500 pages unless
    # DEBUG_ERROR_PAGES=1 asks for Django's technical ones.
    "rectify.error_pages.ProductErrorPagesMiddleware",
]

ROOT_URLCONF = "rectify.urls"
WSGI_APPLICATION = "rectify.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rectify.context_processors.current_user",
            ],
        },
    },
]

# Database: the embedded SQLite default unless DATABASE_URL names PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    # A kept connection is checked before a request reuses it: after a database restart only the requests
    # made while it was down fail, not the first one of every thread afterwards.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A PostgreSQL streaming replica for the reads that tolerate seconds of lag (rectify/replica.py).
    DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
    if DATABASE_REPLICA_URL:
        DATABASES["replica"] = dj_database_url.parse(
            DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
        ) | {"CONN_HEALTH_CHECKS": True, "TEST": {"MIRROR": "default"}}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASE_ROUTERS = ["rectify.replica.ReplicaRouter"]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a blocked client address before anything else
    "accounts.login_protection.LoginSlowdownBackend",  # makes repeated failures on one account wait
    "accounts.backends.UnitModelBackend",  # Django's ModelBackend, the user loaded with their unit
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    # Django's list of 20,000 common passwords, also with digits and symbols stripped from the ends.
    {"NAME": "accounts.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.password_validation.CharacterVarietyValidator", "OPTIONS": {"min_distinct": 5}},
    # No reuse of the current password or the last PASSWORD_HISTORY_COUNT ones (kept as hashes).
    {"NAME": "accounts.password_validation.PasswordHistoryValidator"},
]
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inspections:home"
LOGOUT_REDIRECT_URL = "login"

# Sessions expire after a working day of inactivity by default. The requests renew the expiry, but write it only when
# it moves by SESSION_RENEW_SECONDS or more (rectify.sessions), not with an UPDATE on every request.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_RENEW_SECONDS = env_int("SESSION_RENEW_SECONDS", 60)
SESSION_ENGINE = "rectify.sessions"  # Django's database sessions, remembering the expiry they were read with
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)

# Reverse proxies in front of gunicorn (docker-compose: one nginx). Only with a count above 0 does the
# app believe X-Forwarded-Proto (https) and take the client address from CLIENT_IP_HEADER, counting
# TRUSTED_PROXY_COUNT entries from the right (each proxy appends the address it saw); with 0, a
# client could forge both, so the address is REMOTE_ADDR and the scheme the connection's own.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "HTTP_X_FORWARDED_FOR")
if TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login protection, two layers (README "Login protection"):
# 1. django-axes blocks a client address after AXES_FAILURE_LIMIT failed logins (any usernames), for
#    AXES_COOLOFF_MINUTES after its last failure. Per address, not per account: an outsider who fails
#    on someone's username blocks only himself.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["ip_address"]]
# A success does not wipe the address's failures: one valid account must not reset the count for guesses
# at other accounts. The failures are forgotten AXES_COOLOFF_MINUTES after the last one.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "rectify.client_ip.client_ip"
# 2. accounts.login_protection slows (never locks) one account: after LOGIN_SLOWDOWN_AFTER failures on a
#    username, from any addresses, each further try must wait 2, 4, 8 ... up to LOGIN_SLOWDOWN_MAX_SECONDS
#    seconds after the last failure; the right password after the wait works. Forgotten after
#    LOGIN_SLOWDOWN_WINDOW_MINUTES without a failure, or at a successful login.
LOGIN_SLOWDOWN_AFTER = env_int("LOGIN_SLOWDOWN_AFTER", 3)
LOGIN_SLOWDOWN_MAX_SECONDS = env_int("LOGIN_SLOWDOWN_MAX_SECONDS", 60)
LOGIN_SLOWDOWN_WINDOW_MINUTES = env_int("LOGIN_SLOWDOWN_WINDOW_MINUTES", 30)

# API tokens (django-rest-knox with accounts.ApiToken): only a SHA-512 digest is stored, the key is shown
# once; each expires after API_TOKEN_DAYS; all of a user's die with a password change or deactivation.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
KNOX_TOKEN_MODEL = "accounts.ApiToken"
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",  # as before: "Authorization: Token <key>"
    "TOKEN_LIMIT_PER_USER": None,
}
# knox's own migrations would create its (swapped-out, never used) knox_authtoken table anyway.
MIGRATION_MODULES = {"knox": None}

# Language and time: Chinese by default, English available; Asia/Shanghai.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static files (whitenoise) and uploaded evidence (outside the static folders).
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # evidence is served only through access-checked views
# Upload sizes, pages and API alike: per file, per request (all files of one upload together, also
# enforced on the request body before it is read: rectify/request_limits.py) and files per request.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_MB", 20) * 1024 * 1024
EVIDENCE_MAX_REQUEST_BYTES = env_int("EVIDENCE_MAX_REQUEST_MB", 100) * 1024 * 1024
EVIDENCE_MAX_FILES = env_int("EVIDENCE_MAX_FILES", 20)
EXPORT_ROOT = Path(env_str("EXPORT_ROOT", str(VAR_DIR / "exports")))
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Domain settings.
IMMEDIATE_DEADLINE_DAYS = env_int("IMMEDIATE_DEADLINE_DAYS", 30)  # 立行立改 default deadline
SCHEDULE_TOLERANCE = env_int("SCHEDULE_TOLERANCE", 5)  # ± percentage points of 达到序时进度
RED_GAP = env_int("RED_GAP", 30)  # behind by this many points or more is red, not yellow
DUE_SOON_DAYS = env_int("DUE_SOON_DAYS", 14)
ESCALATE_AFTER_DAYS = env_int("ESCALATE_AFTER_DAYS", 7)
# 公示: a public notice before sign-off runs this many days unless the bureau sets its dates (domain: closure).
NOTICE_DAYS = env_int("NOTICE_DAYS", 7)
REMINDER_DAYS = [int(x) for x in env_list("REMINDER_DAYS", ["7", "3", "1"])]
USE_WORKING_DAYS = env_bool("USE_WORKING_DAYS", False)
EXPORT_ASYNC_THRESHOLD = env_int("EXPORT_ASYNC_THRESHOLD", 2000)
# A confirmed ledger import of more rows than this is written by Celery, its progress shown on a page.
IMPORT_ASYNC_THRESHOLD = env_int("IMPORT_ASYNC_THRESHOLD", 2000)
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 7)  # then the daily clean-up deletes a job's file
BUREAU_NAME = env_str("BUREAU_NAME", "XX市生态环境局")
# 督办文书: the place's abbreviation that starts every 文号 (潜督办〔2026〕17号), and the issuing office's name.
SUPERVISION_DOC_PREFIX = env_str("SUPERVISION_DOC_PREFIX", "潜")
SUPERVISION_ISSUER = env_str("SUPERVISION_ISSUER", "生态环境保护督察整改工作领导小组办公室")

# Celery: Redis when REDIS_URL is set, otherwise eager in-process execution.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker died (SIGKILL, OOM, power) is still unacknowledged in Redis; Redis hands it out again
# once it is this old, to the next worker that starts or polls. Longer than any task and any retry countdown.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
# Publishing with Redis down fails after about a second (then inspections.background keeps the job).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Tests only: seconds the background services pause after each unit of work (a digest, a ledger row, a
# report stage), so a fault test can kill the worker in the middle. Never set in production.
TEST_PAUSE_SECONDS = float(env_str("RECTIFY_TEST_PAUSE_SECONDS") or 0)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# Email: console by default, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
# The file backend's folder (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend): the fault tests
# count what a separate worker process sent.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or None
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "rectify@localhost")

# REST framework and OpenAPI.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API client gets 401 with "WWW-Authenticate: Token".
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "inspections.api.renderers.BrowsableAPIRendererAllowingInlineStyles",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "inspections.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "inspections.api.schema.RectifyAutoSchema",
    "EXCEPTION_HANDLER": "inspections.api.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "督察整改台账 API",
    "DESCRIPTION": "Rounds, findings, rectification tasks, progress, evidence, workflow actions and reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoundKindEnum": "inspections.choices.RoundKind",
        "UnitKindEnum": "accounts.choices.UnitKind",
        "EvidenceKindEnum": "inspections.choices.EvidenceKind",
        "EventKindEnum": "inspections.choices.EventKind",
        "TaskStatusEnum": "inspections.choices.TaskStatus",
        "DeadlineKindEnum": "inspections.choices.DeadlineKind",
        "SupervisionKindEnum": "inspections.choices.SupervisionKind",
        "AccountabilityMeasureEnum": "inspections.choices.AccountabilityMeasure",
        "FollowUpResultEnum": "inspections.choices.FollowUpResult",
        "LookbackVerdictEnum": "inspections.choices.LookbackVerdict",
        "CaseVerdictEnum": "inspections.choices.CaseVerdict",
    },
}

# History retention (django-simple-history), in days.
HISTORY_RETENTION_DAYS = env_int("HISTORY_RETENTION_DAYS", 3650)

# Content-Security-Policy (django-csp), in every mode so development sees what production blocks.
# Scripts, styles, fonts and fetches come only from this site's own files: ledger text a user typed
# can never run as script or restyle a page, even where a template forgot to escape it. So templates
# carry no inline <script> (json_script data is fine: it is never executed), no on*= handlers and no
# style= attributes; behaviour lives in static/app/*.js, looks in static/app/app.css.
CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    # data: for the SVG icons Bootstrap's CSS embeds (select arrow, check marks, close button).
    "img-src": [SELF, "data:", "blob:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
# The admin's one exception (rectify/csp.py adds it under /admin/ only): django-simple-history's
# history pages carry a single style attribute, style="border-top: 0". 'unsafe-hashes' with that
# attribute's hash allows exactly it and nothing else (no other attribute, no <style>, no script).
CSP_ADMIN_UPDATE = {"style-src": [UNSAFE_HASHES, "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"]}
# Two more exceptions live next to what needs them: the browsable API's HTML pages allow inline
# styles (inspections/api/renderers.py); django-celery-beat's periodic-task form has its inline
# script moved to a file (templates/admin/djcelery/change_periodictask_form.html).
if env_str("CSP_REPORT_URI"):
    CSP_DIRECTIVES["report-uri"] = env_str("CSP_REPORT_URI")
# CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only: browsers report
# violations without blocking anything (for trying a changed policy on a live site).
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": CSP_DIRECTIVES}

# Production hardening: on whenever DEBUG is off.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Only ever off for a plain-http load test on 127.0.0.1 (bench/run_load.sh).
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag instead

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
