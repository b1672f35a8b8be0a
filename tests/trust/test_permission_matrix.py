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

import re
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
from inspections.complaints import services as complaint_services
from inspections.ledger.services import export_job_create, export_job_run
from inspections.reports.services import dispatch_report_build, dispatch_report_request

pytestmark = pytest.mark.django_db(transaction=True)

# superior: an account of the superior bureau (上级督察办): reads the whole jurisdiction like a leader, and acts
# only in the closure chain's 复核 step.
ROLES = ("anon", "admin", "bureau", "leader", "lead", "other", "superior")
LOGIN = 302  # anonymous on a page: redirected to the login form (checked to point there)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def every(status):
    """Same status for every signed-in role; anonymous to the login page."""
    return {"anon": LOGIN, **{role: status for role in ROLES[1:]}}


def roles(anon=LOGIN, *, admin, bureau, leader, lead, other, superior=None):
    """`superior` defaults to the leader's answer: both read the whole jurisdiction and manage nothing."""
    return {
        "anon": anon,
        "admin": admin,
        "bureau": bureau,
        "leader": leader,
        "lead": lead,
        "other": other,
        "superior": leader if superior is None else superior,
    }


SEES_TASK = roles(admin=200, bureau=200, leader=200, lead=200, other=404)  # the lead unit's objects
MANAGERS = roles(admin=200, bureau=200, leader=403, lead=403, other=403)
REPORTS = roles(admin=200, bureau=200, leader=200, lead=404, other=404)
API = 401  # anonymous API clients: 401 with "WWW-Authenticate: Token"


def api(**by_role):
    by_role.setdefault("superior", by_role["leader"])  # reads like a leader (see roles())
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
    # Inline preview of a PDF or image: whoever may download it (the matrix's evidence is a PDF).
    "inspections:evidence_preview": ("GET", SEES_TASK),
    "inspections:evidence_withdraw": ("POST", roles(admin=400, bureau=400, leader=400, lead=400, other=404)),
    "inspections:round_list": ("GET", every(200)),
    "inspections:round_create": ("GET", MANAGERS),
    "inspections:round_detail": ("GET", SEES_TASK),
    "inspections:round_edit": ("GET", MANAGERS),
    "inspections:finding_create": ("GET", MANAGERS),
    # Edit a finding, add a task to it: bureau staff and admins; the role is checked before the finding.
    "inspections:finding_edit": ("GET", MANAGERS),
    "inspections:finding_task_add": ("GET", MANAGERS),
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
    "inspections:ledger_import_template": ("GET", MANAGERS),
    # A preview token nobody staged and an import job of the bureau user: only its owner sees the job.
    "inspections:ledger_import_preview": ("GET", roles(admin=404, bureau=404, leader=403, lead=403, other=403)),
    "inspections:ledger_import_job": ("GET", roles(admin=404, bureau=200, leader=403, lead=403, other=403)),
    # No staged upload behind the (missing) token: nothing to confirm.
    "inspections:ledger_import_confirm": ("POST", roles(admin=404, bureau=404, leader=403, lead=403, other=403)),
    "inspections:dashboard": ("GET", every(200)),  # figures of the user's own visible tasks
    # Supervision: a 督办通知 addressed to the lead unit; suggestions are the bureau's; scores like reports.
    # An empty reply/outcome/dismiss form is refused with a message and a redirect back (302).
    "inspections:supervision_list": ("GET", every(200)),
    "inspections:supervision_issue": ("GET", MANAGERS),
    "inspections:supervision_issue_tasks": ("GET", MANAGERS),  # the form's task choices for a unit (htmx)
    "inspections:supervision_detail": ("GET", SEES_TASK),
    "inspections:supervision_reply": ("POST", roles(admin=302, bureau=302, leader=302, lead=302, other=404)),
    "inspections:supervision_outcome": ("POST", roles(admin=302, bureau=302, leader=403, lead=403, other=404)),
    "inspections:supervision_document": ("GET", SEES_TASK),
    "inspections:supervision_print": ("GET", SEES_TASK),
    "inspections:supervision_reply_file": ("GET", SEES_TASK),
    "inspections:supervision_suggestions": ("GET", MANAGERS),
    "inspections:supervision_unit_timeline": ("GET", SEES_TASK),  # the lead unit's own page; another unit: 404
    "inspections:supervision_dismiss": ("POST", roles(admin=302, bureau=302, leader=404, lead=404, other=404)),
    "inspections:supervision_ranking": ("GET", REPORTS),
    "inspections:supervision_ranking_compute": ("POST", roles(admin=302, bureau=302, leader=403, lead=403, other=403)),
    "inspections:supervision_ranking_export": ("GET", REPORTS),
    # Closure (销号): the task's panel like the task; the bureau records acceptance, notices, objections,
    # extension decisions and 回头看; the 销号审批表 and 销号报备 list are for whoever reads the whole
    # jurisdiction (asked before the task is looked up, so the other unit gets the same 403 as the lead unit).
    # Empty forms: a message and a redirect back (302), or the form again (400).
    "inspections:closure_panel": ("GET", SEES_TASK),
    "inspections:closure_acceptance": ("GET", roles(admin=200, bureau=200, leader=403, lead=403, other=404)),
    "inspections:closure_notice": ("GET", roles(admin=200, bureau=200, leader=403, lead=403, other=404)),
    "inspections:closure_objection": ("POST", roles(admin=302, bureau=302, leader=302, lead=302, other=404)),
    "inspections:closure_objection_decide": (
        "POST",
        roles(admin=302, bureau=302, leader=302, lead=302, other=404),
    ),
    "inspections:closure_confirm": ("GET", SEES_TASK),  # the page says why the action is not open
    "inspections:closure_extension": ("POST", roles(admin=302, bureau=302, leader=302, lead=302, other=404)),
    "inspections:closure_extension_decide": ("POST", roles(admin=302, bureau=302, leader=302, lead=302, other=404)),
    "inspections:closure_filing_sheet": ("GET", roles(admin=200, bureau=200, leader=200, lead=403, other=403)),
    "inspections:closure_filing_list": ("GET", roles(admin=200, bureau=200, leader=200, lead=403, other=403)),
    "inspections:closure_lookbacks": ("GET", roles(admin=200, bureau=200, leader=403, lead=403, other=403)),
    "inspections:closure_lookback": ("GET", roles(admin=200, bureau=200, leader=403, lead=403, other=403)),
    "inspections:closure_lookback_record": ("POST", roles(admin=302, bureau=302, leader=403, lead=403, other=403)),
    "inspections:closure_batch": ("POST", every(302)),  # nothing ticked: back to the list with a message
    # Complaint cases (交办件): the world's case is assigned to the lead unit.
    "inspections:complaint_list": ("GET", every(200)),  # each sees its own scope
    "inspections:complaint_detail": ("GET", SEES_TASK),
    "inspections:complaint_add": ("GET", MANAGERS),
    # a case the user cannot see is 404 first; one it sees but may not edit (leader, lead unit) 403
    "inspections:complaint_edit": ("GET", roles(admin=200, bureau=200, leader=403, lead=403, other=404)),
    # Empty forms: invalid (400) for anyone who may see the case; the services' role checks come after the form.
    "inspections:complaint_assign": ("POST", roles(admin=400, bureau=400, leader=400, lead=400, other=404)),
    "inspections:complaint_investigation": ("POST", roles(admin=400, bureau=400, leader=400, lead=400, other=404)),
    "inspections:complaint_transition": ("POST", roles(admin=400, bureau=400, leader=400, lead=400, other=404)),
    "inspections:complaint_follow_up": ("POST", roles(admin=400, bureau=400, leader=400, lead=400, other=404)),
    "inspections:complaint_to_task": ("POST", roles(admin=400, bureau=400, leader=400, lead=400, other=404)),
    "inspections:complaint_import": ("GET", MANAGERS),
    "inspections:complaint_import_confirm": ("POST", roles(admin=404, bureau=404, leader=403, lead=403, other=403)),
    # The daily report and the disclosure list cover the whole jurisdiction: bureau, leaders, admins (a rule: 403).
    "inspections:complaint_report": ("GET", roles(admin=200, bureau=200, leader=200, lead=403, other=403)),
    "inspections:complaint_disclosure": ("GET", roles(admin=200, bureau=200, leader=200, lead=403, other=403)),
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
    "api:task-start-notice": ("POST", API_INVALID),
    "api:task-recheck": ("POST", API_INVALID),
    "api:task-file": ("POST", API_INVALID),
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
    "api:supervision-action-list": ("GET", API_EVERYONE),  # each sees what is addressed to its subtree
    "api:supervision-action-detail": ("GET", API_SEES_TASK),
    "api:supervision-action-reply": ("POST", API_INVALID),  # no text in the body
    "api:supervision-action-outcome": ("POST", api(admin=400, bureau=400, leader=403, lead=403, other=404)),
    "api:supervision-suggestion-list": ("GET", API_EVERYONE),  # empty but for the bureau
    "api:supervision-suggestion-detail": ("GET", api(admin=200, bureau=200, leader=404, lead=404, other=404)),
    # The body's reason ("x") is enough: the bureau dismisses the suggestion; nobody else sees it.
    "api:supervision-suggestion-dismiss": ("POST", api(admin=200, bureau=200, leader=404, lead=404, other=404)),
    "api:supervision-score-list": ("GET", API_EVERYONE),  # empty for unit users
    "api:supervision-score-detail": ("GET", api(admin=200, bureau=200, leader=200, lead=404, other=404)),
    "api:task-closure": ("GET", API_SEES_TASK),
    # Closure API: the task is looked up first (the other unit: 404), then the body (400 for everyone else who
    # sees the task: the empty body is refused before the role is asked), as the workflow actions do.
    "api:task-acceptance": ("POST", API_INVALID),
    "api:task-notice": ("POST", API_INVALID),
    "api:task-objections": ("POST", API_INVALID),  # on the world's task in 公示中
    "api:objection-decide": ("POST", API_INVALID),
    "api:task-extensions": ("POST", API_INVALID),
    "api:extension-decide": ("POST", API_INVALID),
    "api:lookbacks": ("POST", api(admin=400, bureau=400, leader=400, lead=400, other=400)),  # no name: 400 first
    "api:lookback-record": ("POST", api(admin=400, bureau=400, leader=403, lead=403, other=403)),
    "api:batch": ("POST", api(admin=400, bureau=400, leader=400, lead=400, other=400)),
    "api:complaint-batch-list": ("GET", API_EVERYONE),  # empty for the other unit
    "api:complaint-batch-detail": ("GET", API_SEES_TASK),  # the batch holds a case of the lead unit only
    "api:complaint-list": ("GET", API_EVERYONE),
    "api:complaint-detail": ("GET", API_SEES_TASK),
    # Case moves get the invalid body too: 400 for whoever sees the case, 404 for the other unit.
    "api:complaint-assign": ("POST", API_INVALID),
    "api:complaint-report": ("POST", API_INVALID),
    "api:complaint-close": ("POST", API_INVALID),
    "api:complaint-sign-off": ("POST", API_INVALID),
    "api:complaint-return": ("POST", API_INVALID),
    "api:complaint-decline": ("POST", API_INVALID),
    "api:complaint-reopen": ("POST", API_INVALID),
    "api:complaint-follow-up": ("POST", API_INVALID),
    "api:complaint-to-task": ("POST", API_INVALID),
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
    # Editing a finding: the role first (403 for everyone but managers), then the body's 400.
    ("api:finding-detail", "PATCH"): api(admin=400, bureau=400, leader=403, lead=403, other=403),
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
    superior = make_user("shiduchaban", Role.SUPERIOR, None)
    closure = _closure_objects(bureau=bureau, leader=leader, unit_user=unit_user, task=task, units=units)
    batch, _created = complaint_services.batch_get_or_create(
        actor=bureau, inspection_round=task.finding.round, number=1
    )
    case = complaint_services.case_assign(
        actor=bureau,
        case=complaint_services.case_create(actor=bureau, batch=batch, code="D0001", summary="化工厂夜间偷排污水"),
        lead_unit=units["water"],
    )
    for user in (admin, bureau, leader, unit_user, other_unit_user, superior):
        user.api_key = api_token_issue(user=user)[1]  # only a digest is stored: keep the key for the requests
    from inspections.choices import PeriodKind, SupervisionKind
    from inspections.models import AssessmentScore, ImportJob, SupervisionSuggestion
    from inspections.supervision import services as supervision
    from inspections.supervision.scoring import scores_store

    action = supervision.action_issue(
        actor=bureau, kind=SupervisionKind.NOTICE, target_unit=task.lead_unit, tasks=[task]
    )
    action = supervision.action_reply(
        actor=unit_user, action=action, text="已整改", files=[SimpleUploadedFile("回复.pdf", PDF)]
    )
    suggestion = SupervisionSuggestion.objects.create(
        task=task,
        lead_unit=task.lead_unit,
        suggested_kind=SupervisionKind.LETTER,
        warning="yellow",
        month=timezone.localdate().replace(day=1),
        reason="进度滞后",
        created_on=timezone.localdate(),
    )
    scores_store(kind=PeriodKind.QUARTER, start=timezone.localdate())
    return {
        "action": action,
        "reply_file": action.reply_files.get(),
        "suggestion": suggestion,
        "score": AssessmentScore.objects.get(unit=task.lead_unit),
        **closure,
        "users": {
            "admin": admin,
            "bureau": bureau,
            "leader": leader,
            "lead": unit_user,
            "other": other_unit_user,
            "superior": superior,
        },
        "task": task,
        "finding": task.finding,
        "round": task.finding.round,
        "evidence": evidence,
        "report": report,
        "job": job,
        "import_job": ImportJob.objects.create(user=bureau, file_name="台账.xlsx", status="done"),
        "case": case,
        "batch": batch,
    }


def _closure_objects(*, bureau, leader, unit_user, task, units) -> dict:
    """A pending extension of the task; an objection in a public notice and a 回头看 check, on two other tasks of
    the lead unit (a round with a notice step; a closed task) — all through the services."""
    from inspections.closure import services as closure
    from inspections.models import ClosureChain, ClosureChainStep

    extension = closure.extension_request(
        actor=unit_user, task=task, deadline_text="2031年6月30日前", reason="汛期停工"
    )
    noticed = services.finding_create(
        actor=bureau,
        inspection_round=services.round_create(actor=bureau, kind="municipal", name="公示轮次"),
        summary="公示中的问题",
        responsible_leader=leader,
        tasks=[{"lead_unit": units["water"], "deadline_text": "2030年12月31日前"}],
    ).tasks.get()
    chain = ClosureChain.objects.create(name="含公示", inspection_round=noticed.finding.round)
    for order, step in enumerate(("accept", "notice", "sign"), 1):
        ClosureChainStep.objects.create(
            chain=chain, order=order, step=step, role=("bureau", "bureau", "leader")[order - 1]
        )
    closed = services.finding_create(
        actor=bureau,
        inspection_round=task.finding.round,
        summary="已销号的问题",
        responsible_leader=leader,
        tasks=[{"lead_unit": units["water"], "deadline_text": "2030年12月31日前"}],
    ).tasks.get()
    for target in (noticed, closed):
        services.task_evidence_add(
            actor=unit_user, task=target, files=[SimpleUploadedFile("完工.pdf", PDF)], kind="document"
        )
        target.refresh_from_db()
        target = services.task_transition(actor=unit_user, task=target, action="submit", reason="主体完工")
        services.task_transition(actor=bureau, task=target, action="verify")
    noticed.refresh_from_db()
    notice = closure.notice_start(actor=bureau, task=noticed, where="政府网站")
    objection = closure.objection_record(actor=bureau, notice=notice, content="仍有异味", raised_by="群众")
    closed.refresh_from_db()
    services.task_transition(actor=leader, task=closed, action="close")
    lookback = closure.lookback_draw(actor=bureau, name="回头看", task_ids=[closed.pk])
    return {
        "extension": extension,
        "noticed": noticed,
        "objection": objection,
        "lookback": lookback,
        "check": lookback.checks.get(),
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
        "closure_": world["task"].pk,
        "closure_objection": world["noticed"].pk,
        "closure_objection_decide": world["objection"].pk,
        "closure_extension_decide": world["extension"].pk,
        "closure_lookback": world["lookback"].pk,
        "closure_lookback_record": world["check"].pk,
        "objection-decide": world["objection"].pk,
        "task-objections": world["noticed"].pk,
        "extension-decide": world["extension"].pk,
        "lookback-record": world["check"].pk,
        "ledger_import_job": world["import_job"].pk,
        "supervision": world["action"].pk,
        "supervision_dismiss": world["suggestion"].pk,
        "supervision-action": world["action"].pk,
        "supervision-suggestion": world["suggestion"].pk,
        "supervision-score": world["score"].pk,
        "complaint": world["case"].pk,
        "complaint-batch": world["batch"].pk,
    }
    kwargs = {}
    for name in pattern.pattern.regex.groupindex:
        if name == "task_pk":
            kwargs[name] = world["task"].pk
        elif name == "round_pk":
            kwargs[name] = world["round"].pk
        elif name == "action":
            kwargs[name] = "close"  # 审签: the confirmation page of the sign-off
        elif name == "token":
            kwargs[name] = "0" * 32  # a preview nobody staged
        elif name == "unit_pk":
            kwargs[name] = world["task"].lead_unit_id
        elif name == "file_pk":
            kwargs[name] = world["reply_file"].pk
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


# --- choice lists: every select on every page and in the browsable API comes through the chokepoint ---------

SELECT = re.compile(r"<select[^>]*\bname=\"([\w-]+)\"[^>]*>(.*?)</select>", re.S)
OPTION = re.compile(r"<option[^>]*\bvalue=\"(\d+)\"")
CHECKBOX = re.compile(r"<input[^>]*type=\"checkbox\"[^>]*\bname=\"([\w-]+)\"[^>]*\bvalue=\"(\d+)\"")
# select name (a formset row's prefix stripped) → the kind of object its options are
CHOICE_KIND = {
    "round": "rounds",
    "finding": "findings",
    "lead_unit": "units",
    "unit": "units",
    "parent": "units",
    "cooperating_units": "units",
    "leader": "users",
    "responsible_leader": "users",
}
BROWSABLE = (
    "/api/tasks/",
    "/api/findings/",
    "/api/rounds/",
    "/api/units/",
    "/api/reports/",
    "/api/dashboard/",
)


@pytest.fixture
def two_units_world(world, units, make_user, bureau):
    """`world` plus a task of the other unit (town), with its own round, finding and responsible leader."""
    foreign_leader = make_user("waidanwei", Role.LEADER, units["root"], full_name="外单位包抓领导")
    inspection_round = services.round_create(actor=bureau, kind="provincial", name="外单位专属督察轮次")
    foreign = services.finding_create(
        actor=bureau,
        inspection_round=inspection_round,
        summary="外单位专属反馈问题：河口镇砂场扬尘",
        responsible_leader=foreign_leader,
        tasks=[{"lead_unit": units["town"], "deadline_text": "2030年12月31日前"}],
    ).tasks.get()
    world["foreign_task"] = foreign
    world["foreign_leader"] = foreign_leader
    return world


def _allowed(world, units, role) -> dict[str, set[int]]:
    """What each role may be offered, written out by hand (not asked of access.py, which is under test)."""
    from accounts.models import Unit, User
    from inspections.models import Finding, InspectionRound

    everything = {
        "rounds": set(InspectionRound.objects.values_list("pk", flat=True)),
        "findings": set(Finding.objects.values_list("pk", flat=True)),
        "units": set(Unit.objects.values_list("pk", flat=True)),
        "users": set(User.objects.values_list("pk", flat=True)),
    }
    if role in ("admin", "bureau", "leader", "superior"):
        return everything
    from inspections.models import RectificationTask

    # The unit's own tasks (the world gives the lead unit a few: the closure objects are its tasks too).
    unit = units["water"] if role == "lead" else units["town"]
    own = RectificationTask.objects.filter(lead_unit=unit).select_related("finding")
    return {
        "rounds": {t.finding.round_id for t in own},
        "findings": {t.finding_id for t in own},
        "units": {unit.pk},
        "users": {t.finding.responsible_leader_id for t in own if t.finding.responsible_leader_id},
    }


def _foreign_labels(world, units, role) -> list[str]:
    """Names another unit's user must never read anywhere on a page."""
    if role == "lead":
        return ["外单位专属督察轮次", "外单位专属反馈问题", "外单位包抓领导", units["town"].name]
    if role == "other":
        return [world["round"].name, world["finding"].summary, units["water"].name]
    return []


def _choice_problems(html: str, allowed: dict, where: str) -> list[str]:
    problems = []
    offered: dict[str, set[int]] = {}
    for name, body in SELECT.findall(html):
        offered.setdefault(name.rsplit("-", 1)[-1], set()).update(int(v) for v in OPTION.findall(body))
    for name, value in CHECKBOX.findall(html):
        offered.setdefault(name.rsplit("-", 1)[-1], set()).add(int(value))
    for name, values in offered.items():
        kind = CHOICE_KIND.get(name)
        if kind and values - allowed[kind]:
            problems.append(f"{where}: <{name}> offers {kind} {sorted(values - allowed[kind])}")
    return problems


@pytest.mark.parametrize("role", ROLES[1:])
def test_choice_lists_offer_only_what_the_user_may_see(role, two_units_world, units):
    """Every page of the matrix the role may open, and the browsable API of every list (its Filters form and,
    for managers, its create form): each round/finding/unit/leader choice is one the role may see, and no
    other unit's round, finding, unit or leader is named anywhere in the page."""
    from django.test import Client

    world = two_units_world
    user = world["users"][role]
    allowed = _allowed(world, units, role)
    foreign = _foreign_labels(world, units, role)
    client = Client()
    client.force_login(user)
    urls = project_urls()
    pages = [
        reverse(name, kwargs=_kwargs(urls[name], world))
        for name, (method, expected) in EXPECTED.items()
        if method == "GET" and expected[role] == 200 and name not in EXCLUDED
    ]
    pages += [f"{url}?format=api" for url in BROWSABLE]
    # The task list with filters set, as a user would have them (the selects render the chosen values too).
    pages += [f"/tasks/?round={world['round'].pk}", f"/api/tasks/?format=api&finding={world['finding'].pk}"]
    problems = []
    checked_selects = 0
    for url in pages:
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or "html" not in content_type:
            continue
        html = response.content.decode()
        checked_selects += len(SELECT.findall(html))
        problems += _choice_problems(html, allowed, url)
        problems += [f"{url}: names {label!r}" for label in foreign if label in html]
    assert checked_selects, "no select was checked: the walk is vacuous"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "url,param",
    [
        ("/api/tasks/", "finding"),
        ("/api/tasks/", "round"),
        ("/api/tasks/", "lead_unit"),
        ("/api/tasks/", "leader"),
        ("/api/findings/", "round"),
        ("/api/units/", "parent"),
    ],
)
def test_a_filter_on_another_units_object_answers_like_a_missing_one(two_units_world, units, url, param):
    """No existence oracle: another unit's id in a filter and an id that exists nowhere get the same answer."""
    from rest_framework.test import APIClient

    world = two_units_world
    foreign = world["foreign_task"]
    foreign_id = {
        "finding": foreign.finding_id,
        "round": foreign.finding.round_id,
        "lead_unit": units["town"].pk,
        "parent": units["town"].pk,
        "leader": world["foreign_leader"].pk,
    }[param]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world['users']['lead'].api_key}")
    theirs = client.get(url, {param: foreign_id})
    missing = client.get(url, {param: 987654321})
    assert (theirs.status_code, theirs.json()) == (missing.status_code, missing.json())
    assert theirs.status_code == 400
