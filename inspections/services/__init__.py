"""Every write of the domain goes through these functions (views, API, admin, commands, Celery)."""

from .findings import finding_create, finding_update
from .notifications import notification_mark_read, notify
from .rounds import round_create, round_update
from .tasks import (
    closure_chain_for_round,
    evidence_withdraw,
    task_assign,
    task_chain,
    task_close,
    task_evidence_add,
    task_keep_long_term,
    task_progress_add,
    task_reject,
    task_reopen,
    task_start,
    task_submit,
    task_transition,
    task_update,
    task_verify,
)

__all__ = [
    "evidence_withdraw",
    "finding_create",
    "finding_update",
    "notification_mark_read",
    "notify",
    "round_create",
    "round_update",
    "closure_chain_for_round",
    "task_assign",
    "task_chain",
    "task_close",
    "task_evidence_add",
    "task_keep_long_term",
    "task_progress_add",
    "task_reject",
    "task_reopen",
    "task_start",
    "task_submit",
    "task_transition",
    "task_update",
    "task_verify",
]
