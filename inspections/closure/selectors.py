"""Reads of the closure feature: a task's closure record (the panel and the 销号审批表), the 销号报备 list,
the figures the reports add (公示中, extensions and relapses per unit) and the 回头看 rounds."""

from django.db.models import Count, Prefetch, Q

from .. import workflow
from ..access import visible_tasks
from ..choices import RELAPSE_VERDICTS, ExtensionStatus, LookbackVerdict, TaskStatus
from ..models import (
    AcceptanceRecord,
    DeadlineExtension,
    LookbackCheck,
    LookbackRound,
    PublicNotice,
    RectificationTask,
    TaskEvent,
)

STEP_ACTIONS = frozenset(workflow.STEP_ACTIONS.values()) | {workflow.Action.KEEP_LONG_TERM, workflow.Action.REJECT}


def closure_record(task: RectificationTask) -> dict:
    """Everything the closure steps of one task recorded: the chain, each step's signer, date and conclusion,
    the acceptance records, notices with objections, extensions and 回头看 checks."""
    chain = workflow.chain_of(task)
    steps = [
        {
            "action": e.action,
            "label": workflow.ACTION_LABELS.get(e.action, e.action),
            "actor": e.actor.display_name if e.actor else "",
            "at": e.at,
            "to_status": e.to_status,
            "reason": e.reason,
        }
        for e in TaskEvent.objects.filter(task=task, action__in=STEP_ACTIONS | {workflow.Action.SUBMIT})
        .select_related("actor")
        .order_by("at", "id")
    ]
    return {
        "chain": [
            {
                "step": c.step,
                "label": dict(workflow.ClosureStep.choices)[c.step],
                "role": c.role,
                "required": c.required,
            }
            for c in chain
        ],
        "next_steps": workflow.next_steps(task),
        "steps": steps,
        "acceptances": list(AcceptanceRecord.objects.filter(task=task).select_related("report", "recorded_by")),
        "notices": list(
            PublicNotice.objects.filter(task=task)
            .prefetch_related("objections__decided_by")
            .select_related("started_by")
        ),
        "extensions": list(DeadlineExtension.objects.filter(task=task).select_related("requested_by", "decided_by")),
        "lookbacks": list(LookbackCheck.objects.filter(task=task).select_related("lookback", "new_task__finding")),
        "relapse_of": task.relapse_of if task.relapse_of_id else None,
        "evidence": list(task.evidence.select_related("uploaded_by")),
    }


def filing_list(*, user, inspection_round) -> list[RectificationTask]:
    """销号报备清单: the round's tasks closed (已销号), with what the list shows of each."""
    return list(
        visible_tasks(user)
        .filter(round=inspection_round, status=TaskStatus.CLOSED)
        .select_related("finding__round", "finding__responsible_leader", "lead_unit", "verified_by", "signed_off_by")
        .prefetch_related(
            Prefetch("acceptances", queryset=AcceptanceRecord.objects.order_by("-recorded_at")),
            Prefetch("notices", queryset=PublicNotice.objects.order_by("-created_at")),
            Prefetch(
                "events",
                queryset=TaskEvent.objects.filter(action__in=STEP_ACTIONS).select_related("actor").order_by("at", "id"),
                to_attr="step_events",
            ),
        )
        .order_by("finding__number", "number")
    )


def in_notice_count(queryset) -> int:
    return queryset.filter(status=TaskStatus.IN_NOTICE).count()


def extensions_by_unit(queryset) -> dict[int, int]:
    """Approved extensions per lead unit of the tasks in `queryset` (a figure of the dispatch report)."""
    rows = (
        DeadlineExtension.objects.filter(task__in=queryset.values("pk"), status=ExtensionStatus.APPROVED)
        .values("task__lead_unit")
        .annotate(n=Count("id"))
    )
    return {r["task__lead_unit"]: r["n"] for r in rows}


def relapses_by_unit(queryset) -> dict[int, int]:
    """回头看 反弹 / 虚假整改 per lead unit of the tasks in `queryset` (they count against the unit)."""
    rows = (
        LookbackCheck.objects.filter(task__in=queryset.values("pk"), verdict__in=RELAPSE_VERDICTS)
        .values("task__lead_unit")
        .annotate(n=Count("id"))
    )
    return {r["task__lead_unit"]: r["n"] for r in rows}


def lookback_summary(queryset) -> dict:
    rows = LookbackCheck.objects.filter(task__in=queryset.values("pk")).aggregate(
        sampled=Count("id"),
        checked=Count("id", filter=~Q(verdict="")),
        holds=Count("id", filter=Q(verdict=LookbackVerdict.HOLDS)),
        relapse=Count("id", filter=Q(verdict=LookbackVerdict.RELAPSE)),
        fake=Count("id", filter=Q(verdict=LookbackVerdict.FAKE)),
    )
    return rows


def lookback_rounds():
    return LookbackRound.objects.select_related("inspection_round", "created_by").annotate(
        sampled=Count("checks"),
        checked=Count("checks", filter=~Q(checks__verdict="")),
        relapses=Count("checks", filter=Q(checks__verdict__in=RELAPSE_VERDICTS)),
    )


def lookback_checks(lookback: LookbackRound):
    return lookback.checks.select_related("task__finding", "task__lead_unit", "new_task__finding").prefetch_related(
        "photos"
    )


def report_figures(day) -> dict:
    """The dispatch report's closure figures up to the end of `day`: approved extensions and 回头看 relapses per
    lead unit, and the 回头看 checks by verdict. Three grouped queries, whatever the number of tasks."""
    from ..models.tasks import end_of_day

    until = end_of_day(day)
    extensions = dict(
        DeadlineExtension.objects.filter(status=ExtensionStatus.APPROVED, decided_at__lte=until)
        .values("task__lead_unit")
        .annotate(n=Count("id"))
        .values_list("task__lead_unit", "n")
    )
    relapses = dict(
        LookbackCheck.objects.filter(verdict__in=RELAPSE_VERDICTS, checked_on__lte=day)
        .values("task__lead_unit")
        .annotate(n=Count("id"))
        .values_list("task__lead_unit", "n")
    )
    checks = LookbackCheck.objects.filter(lookback__created_at__lte=until)
    recorded = Q(checked_on__lte=day) & ~Q(verdict="")
    lookback = checks.aggregate(
        sampled=Count("id"),
        checked=Count("id", filter=recorded),
        holds=Count("id", filter=recorded & Q(verdict=LookbackVerdict.HOLDS)),
        relapse=Count("id", filter=recorded & Q(verdict=LookbackVerdict.RELAPSE)),
        fake=Count("id", filter=recorded & Q(verdict=LookbackVerdict.FAKE)),
    )
    return {"extensions": extensions, "relapses": relapses, "lookback": lookback}
