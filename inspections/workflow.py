"""The status machine of a rectification task, as data.

One row per allowed move: the action's name, the state it leaves, the state it enters, the roles
that may make it, and whether a reason is required. Pure: no database, tested on its own.
"""

from collections import deque
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role

from .choices import DeadlineKind
from .choices import TaskStatus as S


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


def stamp(task, action: str, actor, at) -> None:
    """Set the timestamps a move sets on `task` (no save): the one definition, for the services and the importer.

    验收 (verify) sets verified_at/by and completed_at (and 100 % unless the task is long-term);
    审签 (close, keep long-term) sets signed_off_at/by and completed_at if not yet set; a rejection or a
    reopening clears them all.
    """
    if action == Action.VERIFY:
        task.verified_at, task.verified_by, task.completed_at = at, actor, at
        if task.deadline_kind != DeadlineKind.LONG_TERM:
            task.percent = 100
    elif action in (Action.CLOSE, Action.KEEP_LONG_TERM):
        task.signed_off_at, task.signed_off_by = at, actor
        task.completed_at = task.completed_at or at
    elif action in (Action.REJECT, Action.REOPEN):
        task.verified_at = task.verified_by = task.completed_at = None
        task.signed_off_at = task.signed_off_by = None


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
