"""Every URL of the project (pages and API) as anonymous, each role, the lead unit's user and another unit's user.

`EXPECTED` is keyed by URL name; a URL added without an entry fails `test_every_url_is_classified`.
Excluded from the walk, and why:
- Django admin internals (`admin/...`, ~100 generated model URLs): the admin's own permission system guards
  them; `test_admin_index` checks that non-staff are sent to the admin login and staff get the index.
- `set_language` (i18n/setlang/): no object, no role; tested on its own in `test_set_language`.
- static and media: not routed by Django in production (whitenoise / the web server; evidence is
  served only through the evidence download views, which are in the matrix).
Requests are GET, except endpoints that only accept POST: those get a POST with an empty body, which must be
refused (302 to login, 401, 403, 404) or rejected as invalid (400) — never a 500. A URL that also takes a
write method (PATCH of a task) is checked once more with it, from `OTHER_METHODS`.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.services import api_token_issue
from inspections import services
from inspections.choices import JobStatus, NotificationKind
from inspections.ledger.services import export_job_create, export_job_run
from inspections.reports.services import dispatch_report_build, dispatch_report_request

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ("anon", "admin", "bureau", "leader", "lead", "other")
LOGIN = 302  # anonymous on a page: redirected to the login form (checked to point there)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def every(status):
    """Same status for every signed-in role; anonymous to the login page."""
    return {"anon": LOGIN, **{role: status for role in ROLES[1:]}}


def roles(anon=LOGIN, *, admin, bureau, leader, lead, other):
    return {"anon": anon, "admin": admin, "bureau": bureau, "leader": leader, "lead": lead, "other": other}


SEES_TASK = roles(admin=200, bureau=200, leader=200, lead=200, other=404)  # the lead unit's objects
MANAGERS = roles(admin=200, bureau=200, leader=403, lead=403, other=403)
REPORTS = roles(admin=200, bureau=200, leader=200, lead=404, other=404)
API = 401  # anonymous API clients: 401 with "WWW-Authenticate: Token"


def api(**by_role):
    return {"anon": API, **by_role}


API_SEES_TASK = api(admin=200, bureau=200, leader=200, lead=200, other=404)
API_EVERYONE = api(admin=200, bureau=200, leader=200, lead=200, other=200)
API_INVALID = api(admin=400, bureau=400, leader=400, lead=400, other=404)
INVALID_BODY = {"expected_version": "not-a-number", "reason": "x"}

# url name: (method, {role: expected status})
EXPECTED = {
    # Accounts
    "login": ("GET", {role: 200 for role in ROLES}),
    "logout": ("POST", {role: 302 for role in ROLES}),
    "password_change": ("GET", every(200)),
    "password_change_done": ("GET", every(200)),
    "api_tokens": ("GET", every(200)),
    # Pages
    "inspections:home": ("GET", every(302)),  # to 我的待办, every role
    "inspections:todo": ("GET", every(200)),  # each role's own lists, within what it may see
    "inspections:task_list": ("GET", every(200)),
    "inspections:task_detail": ("GET", SEES_TASK),
    # Empty form: invalid (400) for anyone who may see the task; the other unit never learns it exists.
    "inspections:task_progress": ("POST", roles(admin=400, bureau=400, leader=400, lead=400, other=404)),
    "inspections:task_evidence": ("POST", roles(admin=400, bureau=400, leader=400, lead=400, other=404)),
    "inspections:task_transition": ("POST", roles(admin=400, bureau=400, leader=400, lead=400, other=404)),
    # Bureau staff only; the lead unit and the leader see the task but may not edit it, the other unit never sees it.
    "inspections:task_edit": ("GET", roles(admin=200, bureau=200, leader=403, lead=403, other=404)),
    "inspections:evidence_download": ("GET", SEES_TASK),
    "inspections:evidence_withdraw": ("POST", roles(admin=400, bureau=400, leader=400, lead=400, other=404)),
    "inspections:round_list": ("GET", every(200)),
    "inspections:round_create": ("GET", MANAGERS),
    "inspections:round_detail": ("GET", SEES_TASK),
    "inspections:round_edit": ("GET", MANAGERS),
    "inspections:finding_create": ("GET", MANAGERS),
    "inspections:deadline_preview": ("GET", every(200)),
    "inspections:notification_list": ("GET", every(200)),
    "inspections:notification_read": ("POST", every(302)),
    "inspections:report_list": ("GET", REPORTS),
    "inspections:report_generate": ("POST", roles(admin=400, bureau=400, leader=403, lead=404, other=404)),
    "inspections:report_detail": ("GET", REPORTS),
    "inspections:report_download": ("GET", REPORTS),
    "inspections:ledger_export": ("GET", every(200)),
    # An export job is its requester's only (the bureau user's here).
    "inspections:ledger_export_job": ("GET", roles(admin=404, bureau=200, leader=404, lead=404, other=404)),
    "inspections:ledger_export_download": ("GET", roles(admin=404, bureau=200, leader=404, lead=404, other=404)),
    "inspections:ledger_import": ("GET", MANAGERS),
    # No staged upload behind the (missing) token: nothing to confirm.
    "inspections:ledger_import_confirm": ("POST", roles(admin=404, bureau=404, leader=403, lead=403, other=403)),
    "inspections:dashboard": ("GET", every(200)),  # figures of the user's own visible tasks
    # REST API
    "api:round-list": ("GET", API_EVERYONE),
    "api:round-detail": ("GET", API_SEES_TASK),
    "api:finding-list": ("GET", API_EVERYONE),
    "api:finding-detail": ("GET", API_SEES_TASK),
    "api:task-list": ("GET", API_EVERYONE),
    "api:task-detail": ("GET", API_SEES_TASK),
    # Workflow actions get an invalid body (a non-numeric version), so nothing changes state between checks.
    "api:task-start": ("POST", API_INVALID),
    "api:task-submit": ("POST", API_INVALID),
    "api:task-verify": ("POST", API_INVALID),
    "api:task-reject": ("POST", API_INVALID),
    "api:task-close": ("POST", API_INVALID),
    "api:task-keep-long-term": ("POST", API_INVALID),
    "api:task-reopen": ("POST", API_INVALID),
    "api:task-progress-list": ("GET", API_SEES_TASK),
    "api:task-evidence-list": ("GET", API_SEES_TASK),
    "api:task-evidence-withdraw": ("POST", API_INVALID),
    "api:task-events-list": ("GET", API_SEES_TASK),
    "api:unit-list": ("GET", API_EVERYONE),
    "api:unit-detail": ("GET", API_SEES_TASK),  # the lead unit: only its own tree and the managers see it
    "api:report-list": ("GET", API_EVERYONE),  # empty for unit users
    "api:report-detail": ("GET", api(admin=200, bureau=200, leader=200, lead=404, other=404)),
    "api:report-download": ("GET", api(admin=200, bureau=200, leader=200, lead=404, other=404)),
    "api:evidence-download": ("GET", API_SEES_TASK),
    "api:dashboard": ("GET", API_EVERYONE),
    "api:todo": ("GET", API_EVERYONE),
    "api:me": ("GET", API_EVERYONE),
    "api:token": ("POST", {role: 400 for role in ROLES}),  # no username/password in the body
    # The API's description is for signed-in users only: anonymous clients get 401, the docs page a login.
    "api:schema": ("GET", API_EVERYONE),
    "api:docs": ("GET", every(200)),
}
EXCLUDED = {"set_language"}
# Write methods on URLs walked above with another method: (url name, method) → expected status per role.
# The body is INVALID_BODY (a non-numeric version), so nothing changes between checks.
OTHER_METHODS = {
    # Editing a task: managers get past the access and role checks to the body's 400.
    ("api:task-detail", "PATCH"): api(admin=400, bureau=400, leader=403, lead=403, other=404),
}


def _walk(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def project_urls() -> dict:
    return dict(_walk(get_resolver()))


def test_every_url_is_classified():
    found = set(project_urls())
    unclassified = found - set(EXPECTED) - EXCLUDED
    assert not unclassified, f"unclassified URL(s), add them to EXPECTED: {sorted(unclassified)}"
    assert not set(EXPECTED) - found, "EXPECTED names URLs that no longer exist"
    assert not {name for name, _method in OTHER_METHODS} - found, "OTHER_METHODS names URLs that no longer exist"
    unnamed = [p for _n, p in _walk(get_resolver()) if not p.name]
    assert not unnamed


@pytest.fixture
def world(units, bureau, unit_user, other_unit_user, make_user, make_task, settings, tmp_path):
    """One of each object, the lead unit being `water`; `other` is a user of the town."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_ROOT = tmp_path / "exports"
    admin = make_user("boss", Role.ADMIN, units["root"], is_staff=True, is_superuser=True)
    leader = make_user("lingdao", Role.LEADER, units["root"])
    task = make_task(actor=bureau, lead_unit=units["water"])
    evidence = services.task_evidence_add(
        actor=unit_user, task=task, files=[SimpleUploadedFile("现场照片.pdf", PDF)], kind="document"
    )[0]
    report, _queued = dispatch_report_request(actor=bureau, day=timezone.localdate() - timedelta(days=1))
    job = export_job_create(user=bureau, params={"round": [str(task.finding.round_id)]}, total=1)
    report = dispatch_report_build(report_id=report.pk)  # what the Celery worker runs
    job = export_job_run(job.pk)
    assert (report.status, report.error, job.status) == (JobStatus.DONE, "", JobStatus.DONE)  # built eagerly
    services.notify(
        recipients=[unit_user], kind=NotificationKind.REMINDER, title="新任务", task=task, url=task.get_absolute_url()
    )
    for user in (admin, bureau, leader, unit_user, other_unit_user):
        user.api_key = api_token_issue(user=user)[1]  # only a digest is stored: keep the key for the requests
    return {
        "users": {"admin": admin, "bureau": bureau, "leader": leader, "lead": unit_user, "other": other_unit_user},
        "task": task,
        "finding": task.finding,
        "round": task.finding.round,
        "evidence": evidence,
        "report": report,
        "job": job,
    }


def _kwargs(pattern, world) -> dict:
    """Real objects for the URL's arguments (all of the lead unit, so the other unit must get 404)."""
    by_prefix = {
        "task": world["task"].pk,
        "round": world["round"].pk,
        "finding": world["finding"].pk,
        "evidence": world["evidence"].pk,
        "task-evidence": world["evidence"].pk,
        "report": world["report"].pk,
        "unit": world["task"].lead_unit_id,
        "ledger_export": world["job"].pk,
    }
    kwargs = {}
    for name in pattern.pattern.regex.groupindex:
        if name == "task_pk":
            kwargs[name] = world["task"].pk
        elif name == "round_pk":
            kwargs[name] = world["round"].pk
        elif name == "pk":
            url_name = pattern.name.split(":")[-1]
            owner = next((k for k in sorted(by_prefix, key=len, reverse=True) if url_name.startswith(k)), None)
            assert owner is not None, f"no object for {pattern.name}"
            kwargs[name] = by_prefix[owner]
        else:
            raise AssertionError(f"unknown URL argument {name} in {pattern.name}")
    return kwargs


def _request(client, method, url, role, world):
    api_call = url.startswith("/api/") and url != "/api/docs/"  # the docs are a page for a browser session
    if role != "anon":
        user = world["users"][role]
        if api_call:
            client.credentials(HTTP_AUTHORIZATION=f"Token {user.api_key}")
        else:
            client.force_login(user)
    if method == "GET":
        return client.get(url)
    if method == "PATCH":
        return client.patch(url, INVALID_BODY, format="json")
    return client.post(url, INVALID_BODY, format="json") if api_call else client.post(url, {})


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, world):
    from rest_framework.test import APIClient

    wrong = []
    urls = project_urls()
    checks = [(name, *EXPECTED[name]) for name in sorted(urls) if name not in EXCLUDED]
    checks += [(name, method, expected) for (name, method), expected in OTHER_METHODS.items()]
    for name, method, expected in checks:
        pattern = urls[name]
        url = reverse(name, kwargs=_kwargs(pattern, world))
        client = APIClient()
        response = _request(client, method, url, role, world)
        status = response.status_code
        if status != expected[role]:
            wrong.append(f"{method} {url} ({name}): {status}, expected {expected[role]}")
        elif status == 302 and role == "anon" and not url.startswith("/api/") and name != "logout":
            if not response["Location"].startswith(reverse("login")):
                wrong.append(f"{method} {url} ({name}): anonymous redirected to {response['Location']}")
    assert not wrong, "\n".join(wrong)


def test_other_unit_gets_404_on_every_object_of_the_lead_unit():
    """The matrix's object URLs: every one holding a lead-unit object answers 404 to the other unit."""
    object_urls = [
        name
        for name, (_m, exp) in EXPECTED.items()
        if exp.get("lead") in (200, 400) and exp.get("admin") in (200, 400) and _has_object(name)
    ]
    assert object_urls  # the check above must not be vacuous
    for name in object_urls:
        assert EXPECTED[name][1]["other"] == 404, name


def _has_object(name):
    pattern = project_urls()[name]
    return bool(pattern.pattern.regex.groupindex)


def test_admin_index(client, world):
    index = reverse("admin:index")
    for role in ("leader", "lead", "other"):
        client.force_login(world["users"][role])
        response = client.get(index)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), role
    client.logout()
    assert client.get(index)["Location"].startswith(reverse("admin:login"))
    for role in ("admin",):
        client.force_login(world["users"][role])
        assert client.get(index).status_code == 200


def test_set_language(client, world):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/tasks/"})
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert response.cookies["django_language"].value == "en"
    # An off-site `next` is not followed.
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]
    assert client.get(reverse("set_language")).status_code in (302, 405)
