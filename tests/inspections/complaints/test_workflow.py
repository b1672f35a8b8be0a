"""The complaint status table against a hand-written oracle: every (action, state, role) answered by hand."""

import itertools

import pytest

from accounts.choices import Role
from inspections.choices import CaseStatus as S
from inspections.complaints import workflow
from inspections.complaints.workflow import Action as A

U, B, L, AD = Role.UNIT, Role.BUREAU, Role.LEADER, Role.ADMIN

# (action, from) -> (to, roles allowed, reason required). Written out by hand from the issue, not from the table.
ORACLE = {
    (A.ASSIGN, S.RECEIVED): (S.INVESTIGATING, {B, AD}, False),
    (A.DECLINE, S.RECEIVED): (S.DECLINED, {B, AD}, True),
    (A.REASSIGN, S.INVESTIGATING): (S.INVESTIGATING, {B, AD}, False),
    (A.REPORT, S.INVESTIGATING): (S.STAGE_DONE, {U, B, AD}, False),
    (A.REPORT, S.STAGE_DONE): (S.STAGE_DONE, {U, B, AD}, False),
    (A.CLOSE, S.STAGE_DONE): (S.DONE, {U, B, AD}, False),
    (A.SIGN_OFF, S.DONE): (S.SIGNED_OFF, {B, L, AD}, False),
    (A.RETURN, S.STAGE_DONE): (S.INVESTIGATING, {B, AD}, True),
    (A.RETURN, S.DONE): (S.INVESTIGATING, {B, AD}, True),
    (A.TASKS_CLOSED, S.INVESTIGATING): (S.SIGNED_OFF, {B, L, AD}, False),
    (A.TASKS_CLOSED, S.STAGE_DONE): (S.SIGNED_OFF, {B, L, AD}, False),
    (A.TASKS_CLOSED, S.DONE): (S.SIGNED_OFF, {B, L, AD}, False),
    (A.REOPEN, S.SIGNED_OFF): (S.INVESTIGATING, {AD}, True),
    (A.REOPEN, S.DECLINED): (S.RECEIVED, {B, AD}, True),
}
ACTIONS = [v for k, v in vars(A).items() if not k.startswith("_")]


@pytest.mark.parametrize(("action", "source", "role"), list(itertools.product(ACTIONS, S.values, [U, B, L, AD])))
def test_table_matches_the_oracle(action, source, role):
    expected = ORACLE.get((action, source))
    got = workflow.allowed(action, source, role)
    if expected is None or role not in expected[1]:
        assert got is None
    else:
        assert (got.target, got.needs_reason) == (expected[0], expected[2])


def test_no_row_outside_the_oracle():
    assert {(t.action, t.source) for t in workflow.TRANSITIONS} == set(ORACLE)


def test_every_action_has_a_label():
    assert set(ACTIONS) == set(workflow.ACTION_LABELS)


def test_signed_off_is_reached_only_through_acceptance_or_the_tasks():
    into = {t.action for t in workflow.TRANSITIONS if t.target == S.SIGNED_OFF}
    assert into == {A.SIGN_OFF, A.TASKS_CLOSED}
