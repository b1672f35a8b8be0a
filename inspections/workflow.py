"""The status machine of a rectification task, as data, and the one answer to "what can this user do here".

One row per allowed move: the action's name, the state it leaves, the state it enters, the roles
that may make it, and whether a reason is required. Beside it, what each move stamps on the task
(verified_at, signed_off_at, completed_at): the services and the ledger importer apply the same.
No database: the checks read only the task and the user already loaded.
"""

from collections import deque
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.selectors import same_person

from .choices import DeadlineKind
from .choices import TaskStatus as S
from .errors import NotAllowed, TransitionNotAllowed


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    roles: frozenset
    needs_reason: bool = False


class Action:
    START = "start"
    SUBMIT = "submit"
    VERIFY = "verify"
    REJECT = "reject"
    CLOSE = "close"
    KEEP_LONG_TERM = "keep_long_term"
    REOPEN = "reopen"


ACTION_LABELS = {
    Action.START: _("启动整改"),
    Action.SUBMIT: _("申请销号"),
    Action.VERIFY: _("验收通过"),
    Action.REJECT: _("退回整改"),
    Action.CLOSE: _("审签销号"),
    Action.KEEP_LONG_TERM: _("转为长期坚持"),
    Action.REOPEN: _("重新打开"),
}

_UNIT, _BUREAU, _LEADER, _ADMIN = Role.UNIT, Role.BUREAU, Role.LEADER, Role.ADMIN


def _t(action, source, target, roles, needs_reason=False):
    return Transition(action, source, target, frozenset(roles), needs_reason)


TRANSITIONS: tuple[Transition, ...] = (
    _t(Action.START, S.NOT_STARTED, S.IN_PROGRESS, {_UNIT, _BUREAU, _ADMIN}),
    # The responsible unit asks for closure with its evidence.
    _t(Action.SUBMIT, S.NOT_STARTED, S.SUBMITTED, {_UNIT, _ADMIN}),
    _t(Action.SUBMIT, S.IN_PROGRESS, S.SUBMITTED, {_UNIT, _ADMIN}),
    # The bureau checks the evidence or the site (验收); whoever accepts is accountable.
    _t(Action.VERIFY, S.SUBMITTED, S.VERIFIED, {_BUREAU, _ADMIN}),
    _t(Action.REJECT, S.SUBMITTED, S.IN_PROGRESS, {_BUREAU, _ADMIN}, needs_reason=True),
    # The leader signs off (审签) or sends it back.
    _t(Action.REJECT, S.VERIFIED, S.IN_PROGRESS, {_BUREAU, _LEADER, _ADMIN}, needs_reason=True),
    _t(Action.CLOSE, S.VERIFIED, S.CLOSED, {_LEADER, _ADMIN}),
    _t(Action.KEEP_LONG_TERM, S.VERIFIED, S.LONG_TERM, {_LEADER, _ADMIN}),
    _t(Action.CLOSE, S.LONG_TERM, S.CLOSED, {_LEADER, _ADMIN}),
    # Only an administrator reopens a closed or long-term task, and must say why.
    _t(Action.REOPEN, S.CLOSED, S.IN_PROGRESS, {_ADMIN}, needs_reason=True),
    _t(Action.REOPEN, S.LONG_TERM, S.IN_PROGRESS, {_ADMIN}, needs_reason=True),
)

_BY_KEY = {(t.action, t.source): t for t in TRANSITIONS}
ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))


def find(action: str, source: str) -> Transition | None:
    return _BY_KEY.get((action, source))


def allowed(action: str, source: str, role: str) -> Transition | None:
    """The transition when `role` may make `action` from `source`, else None."""
    transition = find(action, source)
    if transition is None or role not in transition.roles:
        return None
    return transition


def actions_for(source: str, role: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source and role in t.roles]


# --- What each move stamps on the task --------------------------------------------------------


@dataclass(frozen=True)
class Stamps:
    verified: bool = False  # verified_at / verified_by := now, actor; completed_at := now
    signed_off: bool = False  # signed_off_at / signed_off_by := now, actor; completed_at kept or now
    clear: bool = False  # back to work: every acceptance and sign-off stamp removed
    full_percent: bool = False  # acceptance means 100 %, except for ongoing (长期坚持) work


STAMPS = {
    Action.START: Stamps(),
    Action.SUBMIT: Stamps(),
    Action.VERIFY: Stamps(verified=True, full_percent=True),
    Action.CLOSE: Stamps(signed_off=True),
    Action.KEEP_LONG_TERM: Stamps(signed_off=True),
    Action.REJECT: Stamps(clear=True),
    Action.REOPEN: Stamps(clear=True),
}

# The task fields a move may change: what the services save after `apply_move`.
MOVE_FIELDS = ["status", "percent", "completed_at", "verified_at", "verified_by", "signed_off_at", "signed_off_by"]


def apply_move(task, transition: Transition, *, actor, at) -> None:
    """Set the task's status and the stamps of `transition`, as of `at` (no save)."""
    stamps = STAMPS[transition.action]
    if stamps.verified:
        task.verified_at, task.verified_by, task.completed_at = at, actor, at
        if stamps.full_percent and task.deadline_kind != DeadlineKind.LONG_TERM:
            task.percent = 100
    if stamps.signed_off:
        task.signed_off_at, task.signed_off_by = at, actor
        task.completed_at = task.completed_at or at
    if stamps.clear:
        task.verified_at = task.verified_by = task.completed_at = None
        task.signed_off_at = task.signed_off_by = None
    task.status = transition.target


# --- Who may make a move on this task -----------------------------------------------------------


def _role(user) -> str:
    return _ADMIN if user.is_superuser else user.role


def _is_lead_unit_user(user, task) -> bool:
    return _role(user) == _UNIT and user.unit_id is not None and task.lead_unit.is_within(user.unit)


def check(user, task, action: str, *, lead_unit_only: bool = True) -> Transition:
    """The transition `user` may make on `task` with `action`, or the error saying why not.

    A unit user must belong to the lead unit's subtree, unless `lead_unit_only` is off (the implicit
    start of a first progress report, whose author's right to report the caller has checked).
    """
    label = ACTION_LABELS.get(action, action)
    transition = find(action, task.status)
    if transition is None:
        raise TransitionNotAllowed(
            _("任务当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": task.get_status_display(), "action": label}
        )
    role = _role(user)
    if role not in transition.roles:
        raise TransitionNotAllowed(
            _("%(role)s不能对该任务执行“%(action)s”。") % {"role": Role(role).label, "action": label}
        )
    if role == _UNIT and lead_unit_only and not _is_lead_unit_user(user, task):
        raise NotAllowed(_("只有牵头单位可以对该任务执行“%(action)s”。") % {"action": label})
    if transition.action in SIGN_OFF_ACTIONS and _accepted_it(user, task):
        raise NotAllowed(_("谁验收、谁负责：您验收了该任务，不能再审签销号，请由其他领导审签。"))
    return transition


# 谁验收、谁负责: whoever accepted a task (with any of their accounts) does not also sign it off.
SIGN_OFF_ACTIONS = frozenset({Action.CLOSE, Action.KEEP_LONG_TERM})


def _accepted_it(user, task) -> bool:
    if task.verified_by_id is None:
        return False
    if task.verified_by_id == user.pk:
        return True
    # Another account of the same person (same e-mail); no e-mail, nothing to compare, no query.
    return bool(user.email) and same_person(user, task.verified_by)


def available_actions(user, task) -> list[Transition]:
    """The moves `user` may make on `task` now: the buttons of the task page and the API's list.

    Starting is not offered on its own: the first progress report starts a task.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    available = []
    for transition in TRANSITIONS:
        if transition.source != task.status or transition.action == Action.START:
            continue
        try:
            check(user, task, transition.action)
        except NotAllowed:
            continue
        available.append(transition)
    return available


# Who may add evidence (佐证材料) in which state, and withdraw a mistaken file. A unit files its proof
# until it asks for closure (and keeps filing for a long-term task); once it has asked (submitted)
# and after acceptance (verified) the record it asked on is frozen for it. Bureau staff may still
# file the acceptance report (验收报告) and the public notice (公示材料) while they check. Nobody
# adds to a closed task.
_UNIT_EVIDENCE = frozenset({S.NOT_STARTED, S.IN_PROGRESS, S.LONG_TERM})
_BUREAU_EVIDENCE = _UNIT_EVIDENCE | {S.SUBMITTED, S.VERIFIED}
EVIDENCE_STATES: dict[str, frozenset] = {
    _UNIT: _UNIT_EVIDENCE,
    _BUREAU: _BUREAU_EVIDENCE,
    _ADMIN: _BUREAU_EVIDENCE,
}


def evidence_allowed(source: str, role: str) -> bool:
    """May `role` add (or withdraw) evidence on a task in state `source`?"""
    return source in EVIDENCE_STATES.get(role, frozenset())


# Moves that take a task back (退回, 重新打开): never made by an import.
BACKWARD_ACTIONS = frozenset({Action.REJECT, Action.REOPEN})


def _forward_paths() -> dict:
    """{(source, target): [Transition, ...]}: the shortest chain of forward moves between two states."""
    paths = {}
    for source in S.values:
        queue, seen = deque([(source, [])]), {source}
        while queue:
            state, path = queue.popleft()
            for t in TRANSITIONS:
                if t.source == state and t.action not in BACKWARD_ACTIONS and t.target not in seen:
                    seen.add(t.target)
                    paths[(source, t.target)] = [*path, t]
                    queue.append((t.target, [*path, t]))
    return paths


FORWARD_PATHS = _forward_paths()


def forward_path(source: str, target: str) -> list[Transition] | None:
    """The forward moves from `source` to `target` ([] when equal), or None when `target` is behind `source`."""
    if source == target:
        return []
    return FORWARD_PATHS.get((source, target))
