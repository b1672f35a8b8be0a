"""The status machine of a rectification task, as data, and the one answer to "what can this user do here".

One row per allowed move: the action's name, the state it leaves, the state it enters, the roles
that may make it, and whether a reason is required. The rows after a closure request come from the
task's closure chain (验收 → 公示 → 审签 → 复核 → 销号报备, configurable; default 验收 → 审签), so
every step is a state the table knows. Beside it, what each move stamps on the task (verified_at,
signed_off_at, completed_at, the notice's end): the services and the ledger importer apply the same.
The checks read the task and the user already loaded; only two rules read the database, and only
when they apply (a leader's delegation to sign, a public notice's open objections).
"""

from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.selectors import same_person

from .access import has_open_objections, may_sign_for
from .choices import ClosureStep
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
    START_NOTICE = "start_notice"
    CLOSE = "close"
    RECHECK = "recheck"
    FILE = "file"
    KEEP_LONG_TERM = "keep_long_term"
    REOPEN = "reopen"


ACTION_LABELS = {
    Action.START: _("启动整改"),
    Action.SUBMIT: _("申请销号"),
    Action.VERIFY: _("验收通过"),
    Action.REJECT: _("退回整改"),
    Action.START_NOTICE: _("开始公示"),
    Action.CLOSE: _("审签销号"),
    Action.RECHECK: _("复核通过"),
    Action.FILE: _("销号报备"),
    Action.KEEP_LONG_TERM: _("转为长期坚持"),
    Action.REOPEN: _("重新打开"),
}

# Every action any closure chain may use, in the order a task meets them.
ACTIONS = tuple(ACTION_LABELS)

_UNIT, _BUREAU, _LEADER, _ADMIN, _SUPERIOR = Role.UNIT, Role.BUREAU, Role.LEADER, Role.ADMIN, Role.SUPERIOR


def _t(action, source, target, roles, needs_reason=False):
    return Transition(action, source, target, frozenset(roles), needs_reason)


# --- The closure chain (销号流程): which steps follow a closure request, who acts in each ---------------
#
# Real bureaus close in steps, each signed by a named person (domain: "Closure (销号) in real bureaus").
# A chain is an ordered list of steps; each step is one action of the table, leading to the state that
# says it is done (the last step leads to 已销号). An optional step may be skipped: the next step's
# action is also offered from the state before it. The default chain is 验收 → 审签, today's two steps.


@dataclass(frozen=True)
class ChainStep:
    step: str  # ClosureStep
    role: str  # the role that acts (an administrator always may)
    required: bool = True


STEP_ACTIONS = {
    ClosureStep.ACCEPT: Action.VERIFY,
    ClosureStep.NOTICE: Action.START_NOTICE,
    ClosureStep.SIGN: Action.CLOSE,
    ClosureStep.RECHECK: Action.RECHECK,
    ClosureStep.FILE: Action.FILE,
}
STEP_STATES = {
    ClosureStep.ACCEPT: S.VERIFIED,
    ClosureStep.NOTICE: S.IN_NOTICE,
    ClosureStep.SIGN: S.SIGNED,
    ClosureStep.RECHECK: S.RECHECKED,
    ClosureStep.FILE: S.CLOSED,
}
STEP_DEFAULT_ROLES = {
    ClosureStep.ACCEPT: _BUREAU,
    ClosureStep.NOTICE: _BUREAU,
    ClosureStep.SIGN: _LEADER,
    ClosureStep.RECHECK: _SUPERIOR,
    ClosureStep.FILE: _BUREAU,
}
DEFAULT_CHAIN: tuple[ChainStep, ...] = (ChainStep(ClosureStep.ACCEPT, _BUREAU), ChainStep(ClosureStep.SIGN, _LEADER))


def chain_errors(chain) -> list[str]:
    """Why a chain cannot be used (empty list: it can). The admin's form and the model's clean() ask."""
    steps = [c.step for c in chain]
    errors = []
    if not steps:
        return [str(_("销号流程至少要有一个步骤。"))]
    if len(set(steps)) != len(steps):
        errors.append(str(_("同一步骤不能出现两次。")))
    if steps[0] != ClosureStep.ACCEPT or not chain[0].required:
        errors.append(str(_("第一步必须是验收，且为必经步骤。")))
    if ClosureStep.FILE in steps and steps[-1] != ClosureStep.FILE:
        errors.append(str(_("销号报备只能是最后一步。")))
    if steps[-1] == ClosureStep.NOTICE:
        errors.append(str(_("公示不能是最后一步：公示期满后还需有人办理下一步。")))
    if not chain[-1].required:
        errors.append(str(_("最后一步必须为必经步骤。")))
    if any(c.role not in Role.values or c.role == _UNIT for c in chain):
        errors.append(str(_("办理角色不能是责任单位联络员。")))
    return errors


def chain_from_data(data) -> tuple[ChainStep, ...]:
    """The chain a task keeps (task.closure_chain: [{"step", "role", "required"}, ...]); empty: the default."""
    if not data:
        return DEFAULT_CHAIN
    return tuple(ChainStep(d["step"], d["role"], bool(d.get("required", True))) for d in data)


def chain_to_data(chain) -> list[dict]:
    return [{"step": c.step, "role": c.role, "required": c.required} for c in chain]


@lru_cache(maxsize=64)
def table_for(chain: tuple[ChainStep, ...]) -> tuple[Transition, ...]:
    """The transition table of one closure chain: one row per allowed move."""
    rows = [
        _t(Action.START, S.NOT_STARTED, S.IN_PROGRESS, {_UNIT, _BUREAU, _ADMIN}),
        # The responsible unit asks for closure with its evidence.
        _t(Action.SUBMIT, S.NOT_STARTED, S.SUBMITTED, {_UNIT, _ADMIN}),
        _t(Action.SUBMIT, S.IN_PROGRESS, S.SUBMITTED, {_UNIT, _ADMIN}),
    ]
    sources = [S.SUBMITTED]
    # Who may act from each waiting state: they (and the bureau) may also send the task back.
    acting: dict[str, set] = {}
    sign_sources, sign_roles = None, None
    for index, step in enumerate(chain):
        last = index == len(chain) - 1
        target = S.CLOSED if last else STEP_STATES[step.step]
        roles = {step.role, _ADMIN}
        for source in sources:
            rows.append(_t(STEP_ACTIONS[step.step], source, target, roles))
            acting.setdefault(source, set()).update(roles)
        if step.step == ClosureStep.SIGN or (last and sign_sources is None):
            sign_sources, sign_roles = list(sources), roles
        sources = [target] if step.required else [*sources, target]
    # Back to work with a reason, from any state the chain waits in (an upheld objection, a failed re-check).
    for source, roles in acting.items():
        rows.append(_t(Action.REJECT, source, S.IN_PROGRESS, {_BUREAU, _ADMIN} | roles, needs_reason=True))
    # The signer may instead keep ongoing work as 长期坚持, and close it later.
    for source in sign_sources:
        rows.append(_t(Action.KEEP_LONG_TERM, source, S.LONG_TERM, sign_roles))
    rows.append(_t(Action.CLOSE, S.LONG_TERM, S.CLOSED, sign_roles))
    # Only an administrator reopens a closed or long-term task, and must say why.
    rows.append(_t(Action.REOPEN, S.CLOSED, S.IN_PROGRESS, {_ADMIN}, needs_reason=True))
    rows.append(_t(Action.REOPEN, S.LONG_TERM, S.IN_PROGRESS, {_ADMIN}, needs_reason=True))
    return tuple(rows)


# The default chain's table: 验收 → 审签, the two steps every bureau has.
TRANSITIONS: tuple[Transition, ...] = table_for(DEFAULT_CHAIN)


@lru_cache(maxsize=64)
def _index(chain) -> dict:
    return {(t.action, t.source): t for t in table_for(chain)}


def find(action: str, source: str, chain=DEFAULT_CHAIN) -> Transition | None:
    return _index(tuple(chain)).get((action, source))


def allowed(action: str, source: str, role: str, chain=DEFAULT_CHAIN) -> Transition | None:
    """The transition when `role` may make `action` from `source`, else None."""
    transition = find(action, source, chain)
    if transition is None or role not in transition.roles:
        return None
    return transition


def actions_for(source: str, role: str, chain=DEFAULT_CHAIN) -> list[Transition]:
    return [t for t in table_for(tuple(chain)) if t.source == source and role in t.roles]


def chain_of(task) -> tuple[ChainStep, ...]:
    """The chain a task closes by: the one it was given with its closure request (kept on the task)."""
    return chain_from_data(getattr(task, "closure_chain", None))


def next_steps(task) -> list[str]:
    """The closure steps (ClosureStep) that may come next for the task, for the page's "下一步" line."""
    actions = {t.action for t in table_for(chain_of(task)) if t.source == task.status}
    return [c.step for c in chain_of(task) if STEP_ACTIONS[c.step] in actions]


# --- What each move stamps on the task --------------------------------------------------------


@dataclass(frozen=True)
class Stamps:
    verified: bool = False  # verified_at / verified_by := now, actor; completed_at := now
    signed_off: bool = False  # signed_off_at / signed_off_by := now, actor; completed_at kept or now
    clear: bool = False  # back to work: every acceptance and sign-off stamp removed
    notice: bool = False  # a public notice starts: it ends NOTICE_DAYS later unless the service says otherwise
    snapshot_chain: bool = False  # a closure request keeps the chain it will go through


# Acceptance never changes the reported percentage: the unit reports it, the acceptance record says
# whether the work passed (an earlier version set 100 % here, silently).
STAMPS = {
    Action.START: Stamps(),
    Action.SUBMIT: Stamps(snapshot_chain=True),
    Action.VERIFY: Stamps(verified=True),
    Action.START_NOTICE: Stamps(notice=True),
    Action.CLOSE: Stamps(signed_off=True),
    Action.RECHECK: Stamps(),
    Action.FILE: Stamps(),
    Action.KEEP_LONG_TERM: Stamps(signed_off=True),
    Action.REJECT: Stamps(clear=True),
    Action.REOPEN: Stamps(clear=True),
}

# The task fields a move may change: what the services save after `apply_move`.
MOVE_FIELDS = [
    "status",
    "percent",
    "completed_at",
    "verified_at",
    "verified_by",
    "signed_off_at",
    "signed_off_by",
    "notice_starts_on",
    "notice_ends_on",
    "closure_chain",
]


def notice_days() -> int:
    from django.conf import settings

    return settings.NOTICE_DAYS


def apply_move(task, transition: Transition, *, actor, at, chain=None) -> None:
    """Set the task's status and the stamps of `transition`, as of `at` (no save).

    `chain`: the closure chain a closure request keeps (the services look it up for the task's round).
    """
    stamps = STAMPS[transition.action]
    if stamps.snapshot_chain:
        task.closure_chain = chain_to_data(chain) if chain and tuple(chain) != DEFAULT_CHAIN else []
    if stamps.verified:
        task.verified_at, task.verified_by, task.completed_at = at, actor, at
    if stamps.notice:
        day = timezone.localdate(at) if timezone.is_aware(at) else at.date()
        task.notice_starts_on = day
        task.notice_ends_on = day + timedelta(days=notice_days() - 1)
    if stamps.signed_off:
        task.signed_off_at, task.signed_off_by = at, actor
        task.completed_at = task.completed_at or at
    if stamps.clear:
        task.verified_at = task.verified_by = task.completed_at = None
        task.signed_off_at = task.signed_off_by = None
        task.notice_starts_on = task.notice_ends_on = None
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
    transition = find(action, task.status, chain_of(task))
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
    if transition.action in SIGN_OFF_ACTIONS and role == _LEADER and not may_sign_for(user, task):
        raise NotAllowed(_("只有该问题的责任领导、其委托的领导或管理员可以审签。"))
    if task.status == S.IN_NOTICE and transition.action != Action.REJECT:
        _check_notice_over(task)
    return transition


def _check_notice_over(task) -> None:
    """公示: nothing moves on before the end date, nor while an objection waits for its decision."""
    ends = task.notice_ends_on
    if ends is not None and timezone.localdate() <= ends:
        raise NotAllowed(_("公示期至 %(day)s 结束，期满后才能办理下一步。") % {"day": ends.isoformat()})
    if has_open_objections(task):
        raise NotAllowed(_("公示期间收到的异议尚未处理，处理后才能办理下一步。"))


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
    chain = chain_of(task)
    role = _role(user)
    for transition in table_for(chain):
        if transition.source != task.status or transition.action == Action.START:
            continue
        # check()'s first two refusals, without building their translated messages (the API's list asks this
        # for each of 200 tasks: issue 19).
        found = find(transition.action, task.status, chain)
        if found is None or role not in found.roles:
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
_BUREAU_EVIDENCE = _UNIT_EVIDENCE | {S.SUBMITTED, S.VERIFIED, S.IN_NOTICE, S.SIGNED, S.RECHECKED}
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


@lru_cache(maxsize=64)
def _forward_paths(chain: tuple[ChainStep, ...]) -> dict:
    """{(source, target): [Transition, ...]}: the shortest chain of forward moves between two states."""
    table = table_for(chain)
    paths = {}
    for source in S.values:
        queue, seen = deque([(source, [])]), {source}
        while queue:
            state, path = queue.popleft()
            if state == S.LONG_TERM and state != source:
                continue  # 长期坚持 is a destination, never a shortcut to 已销号 past the chain's later steps
            for t in table:
                if t.source == state and t.action not in BACKWARD_ACTIONS and t.target not in seen:
                    seen.add(t.target)
                    paths[(source, t.target)] = [*path, t]
                    queue.append((t.target, [*path, t]))
    return paths


# The default chain's forward moves (验收 → 审签).
FORWARD_PATHS = _forward_paths(DEFAULT_CHAIN)


def forward_path(source: str, target: str, chain=DEFAULT_CHAIN) -> list[Transition] | None:
    """The forward moves from `source` to `target` in `chain` ([] when equal), or None when `target` is
    behind `source` or not a state of that chain (a 公示中 task in a round whose chain has no notice)."""
    if source == target:
        return []
    return _forward_paths(tuple(chain)).get((source, target))
