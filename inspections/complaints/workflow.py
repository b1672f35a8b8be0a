"""The status machine of a complaint case (交办件), as data, beside the task table of inspections/workflow.py.

已交办 → (转办 to a unit) 调查核实 → (报送调查结果) 阶段性办结 → (办结) 已办结 → (销号, only when the case
needed rectification) 已销号. A case the bureau turns down is 不予受理. When a case was turned into ledger
tasks, the tasks' sign-off closes it (TASKS_CLOSED). Pure: reads only the case and the user.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role

from ..choices import CaseStatus as S
from ..errors import NotAllowed, TransitionNotAllowed


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    roles: frozenset
    needs_reason: bool = False


class Action:
    ASSIGN = "assign"
    REASSIGN = "reassign"
    DECLINE = "decline"
    REPORT = "report"
    CLOSE = "close"
    SIGN_OFF = "sign_off"
    RETURN = "return"
    TASKS_CLOSED = "tasks_closed"
    REOPEN = "reopen"


ACTION_LABELS = {
    Action.ASSIGN: _("转办"),
    Action.REASSIGN: _("改派"),
    Action.DECLINE: _("不予受理"),
    Action.REPORT: _("报送调查结果"),
    Action.CLOSE: _("办结"),
    Action.SIGN_OFF: _("验收销号"),
    Action.RETURN: _("退回重办"),
    Action.TASKS_CLOSED: _("整改任务已销号"),
    Action.REOPEN: _("重新打开"),
}

_UNIT, _BUREAU, _LEADER, _ADMIN = Role.UNIT, Role.BUREAU, Role.LEADER, Role.ADMIN


def _t(action, source, target, roles, needs_reason=False):
    return Transition(action, source, target, frozenset(roles), needs_reason)


TRANSITIONS: tuple[Transition, ...] = (
    _t(Action.ASSIGN, S.RECEIVED, S.INVESTIGATING, {_BUREAU, _ADMIN}),
    _t(Action.DECLINE, S.RECEIVED, S.DECLINED, {_BUREAU, _ADMIN}, needs_reason=True),
    _t(Action.REASSIGN, S.INVESTIGATING, S.INVESTIGATING, {_BUREAU, _ADMIN}),
    # The responsible unit reports what it found and did; handling may go on (阶段性办结).
    _t(Action.REPORT, S.INVESTIGATING, S.STAGE_DONE, {_UNIT, _BUREAU, _ADMIN}),
    _t(Action.REPORT, S.STAGE_DONE, S.STAGE_DONE, {_UNIT, _BUREAU, _ADMIN}),
    _t(Action.CLOSE, S.STAGE_DONE, S.DONE, {_UNIT, _BUREAU, _ADMIN}),
    # Whoever accepts is accountable: the bureau (or a leader) signs off a case that needed rectification.
    _t(Action.SIGN_OFF, S.DONE, S.SIGNED_OFF, {_BUREAU, _LEADER, _ADMIN}),
    _t(Action.RETURN, S.STAGE_DONE, S.INVESTIGATING, {_BUREAU, _ADMIN}, needs_reason=True),
    _t(Action.RETURN, S.DONE, S.INVESTIGATING, {_BUREAU, _ADMIN}, needs_reason=True),
    # The ledger tasks made from the case were all signed off (whoever signed the last one).
    _t(Action.TASKS_CLOSED, S.INVESTIGATING, S.SIGNED_OFF, {_BUREAU, _LEADER, _ADMIN}),
    _t(Action.TASKS_CLOSED, S.STAGE_DONE, S.SIGNED_OFF, {_BUREAU, _LEADER, _ADMIN}),
    _t(Action.TASKS_CLOSED, S.DONE, S.SIGNED_OFF, {_BUREAU, _LEADER, _ADMIN}),
    _t(Action.REOPEN, S.SIGNED_OFF, S.INVESTIGATING, {_ADMIN}, needs_reason=True),
    _t(Action.REOPEN, S.DECLINED, S.RECEIVED, {_BUREAU, _ADMIN}, needs_reason=True),
)

_BY_KEY = {(t.action, t.source): t for t in TRANSITIONS}
# Moves a person starts from the case page's buttons (the others have their own forms or happen by themselves).
BUTTON_ACTIONS = (Action.CLOSE, Action.SIGN_OFF, Action.RETURN, Action.REOPEN, Action.DECLINE)


def find(action: str, source: str) -> Transition | None:
    return _BY_KEY.get((action, source))


def allowed(action: str, source: str, role: str) -> Transition | None:
    transition = find(action, source)
    if transition is None or role not in transition.roles:
        return None
    return transition


def _role(user) -> str:
    return _ADMIN if user.is_superuser else user.role


def _is_lead_unit_user(user, case) -> bool:
    return (
        _role(user) == _UNIT
        and user.unit_id is not None
        and case.lead_unit_id is not None
        and case.lead_unit.is_within(user.unit)
    )


def check(user, case, action: str) -> Transition:
    """The transition `user` may make on `case` with `action`, or the error saying why not."""
    label = ACTION_LABELS.get(action, action)
    transition = find(action, case.status)
    if transition is None:
        raise TransitionNotAllowed(
            _("交办件当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": case.get_status_display(), "action": label}
        )
    role = _role(user)
    if role not in transition.roles:
        raise TransitionNotAllowed(
            _("%(role)s不能对该交办件执行“%(action)s”。") % {"role": Role(role).label, "action": label}
        )
    if role == _UNIT and not _is_lead_unit_user(user, case):
        raise NotAllowed(_("只有承办单位可以对该交办件执行“%(action)s”。") % {"action": label})
    if action == Action.SIGN_OFF and not case.needs_rectification:
        raise TransitionNotAllowed(_("该交办件无需整改，办结即完成，不需要验收销号。"))
    return transition


def available_actions(user, case) -> list[Transition]:
    """The button moves `user` may make on `case` now."""
    if not user.is_authenticated or not user.is_active:
        return []
    available = []
    for transition in TRANSITIONS:
        if transition.source != case.status or transition.action not in BUTTON_ACTIONS:
            continue
        try:
            check(user, case, transition.action)
        except NotAllowed:
            continue
        available.append(transition)
    return available
