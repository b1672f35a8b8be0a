"""The transition table on its own: every (action, source state, role) is allowed exactly as the oracle says."""

import itertools

import pytest

import oracle
from accounts.choices import Role
from inspections import workflow
from inspections.choices import TaskStatus as S

# The hand-written oracle (tests/oracle.py), not workflow.TRANSITIONS:
# (action, source) -> (target, roles allowed, reason required)
A = oracle.A
EXPECTED = oracle.TRANSITIONS
ACTION_NAMES = set(oracle.ACTIONS)

CROSS = list(itertools.product(sorted(ACTION_NAMES), S.values, Role.values))


def test_table_knows_exactly_the_actions_of_the_domain():
    assert set(workflow.ACTIONS) == ACTION_NAMES
    assert set(workflow.ACTION_LABELS) == ACTION_NAMES


@pytest.mark.parametrize(("action", "source", "role"), CROSS)
def test_allowed_exactly_per_table(action, source, role):
    transition = workflow.allowed(action, source, role)
    expected = EXPECTED.get((action, source))
    if expected is None or role not in expected[1]:
        assert transition is None
    else:
        target, _roles, needs_reason = expected
        assert transition is not None
        assert (transition.action, transition.source, transition.target) == (action, source, target)
        assert transition.needs_reason is needs_reason


@pytest.mark.parametrize(("action", "source"), list(itertools.product(sorted(ACTION_NAMES), S.values)))
def test_find_ignores_roles(action, source):
    transition = workflow.find(action, source)
    expected = EXPECTED.get((action, source))
    if expected is None:
        assert transition is None
    else:
        assert transition.target == expected[0]
        assert set(transition.roles) == expected[1]


@pytest.mark.parametrize(("source", "role"), list(itertools.product(S.values, Role.values)))
def test_actions_for_lists_the_allowed_moves(source, role):
    got = {(t.action, t.target) for t in workflow.actions_for(source, role)}
    want = {
        (action, target) for (action, src), (target, roles, _r) in EXPECTED.items() if src == source and role in roles
    }
    assert got == want


def test_closed_task_only_reopens():
    assert {t.action for t in workflow.TRANSITIONS if t.source == S.CLOSED} == {"reopen"}


def test_reject_always_returns_to_in_progress_with_reason():
    rejects = [t for t in workflow.TRANSITIONS if t.action == "reject"]
    assert rejects
    assert all(t.target == S.IN_PROGRESS and t.needs_reason for t in rejects)


def test_unknown_action_or_state_is_refused():
    assert workflow.allowed("delete", S.NOT_STARTED, A) is None
    assert workflow.allowed("start", "archived", A) is None
    assert workflow.actions_for("archived", A) == []
