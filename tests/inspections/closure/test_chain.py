"""The closure chain in the transition table: every (action, state, role) of the default and of a five-step chain
against the hand-written oracle (tests/oracle.py), and the chain rules."""

import itertools

import pytest

import oracle
from accounts.choices import Role
from inspections import workflow
from inspections.choices import ClosureStep
from inspections.choices import TaskStatus as S

FIVE = tuple(workflow.ChainStep(step, role, required) for step, role, required in oracle.FIVE_STEP_CHAIN)
CHAINS = {"default": (workflow.DEFAULT_CHAIN, oracle.TRANSITIONS), "five": (FIVE, oracle.FIVE_STEP_TRANSITIONS)}
CROSS = [
    (name, action, source, role)
    for name in CHAINS
    for action, source, role in itertools.product(oracle.ACTIONS, S.values, Role.values)
]


def test_the_table_knows_every_action_of_every_chain():
    assert set(workflow.ACTIONS) == set(oracle.ACTIONS)
    assert {t.action for t in workflow.table_for(FIVE)} == set(oracle.ACTIONS)


@pytest.mark.parametrize(("chain", "action", "source", "role"), CROSS)
def test_allowed_exactly_per_oracle(chain, action, source, role):
    steps, expected_table = CHAINS[chain]
    transition = workflow.allowed(action, source, role, steps)
    expected = expected_table.get((action, source))
    if expected is None or role not in expected[1]:
        assert transition is None
    else:
        assert (transition.target, transition.needs_reason) == (expected[0], expected[2])


@pytest.mark.parametrize("chain", list(CHAINS))
def test_no_move_the_oracle_does_not_know(chain):
    steps, expected_table = CHAINS[chain]
    got = {(t.action, t.source): (t.target, set(t.roles), t.needs_reason) for t in workflow.table_for(steps)}
    assert got == {k: (v[0], set(v[1]), v[2]) for k, v in expected_table.items()}


def test_default_table_is_todays_two_steps():
    assert workflow.TRANSITIONS == workflow.table_for(workflow.DEFAULT_CHAIN)
    assert [c.step for c in workflow.DEFAULT_CHAIN] == [ClosureStep.ACCEPT, ClosureStep.SIGN]


def test_an_optional_step_may_be_skipped():
    chain = (
        workflow.ChainStep(ClosureStep.ACCEPT, Role.BUREAU),
        workflow.ChainStep(ClosureStep.NOTICE, Role.BUREAU, required=False),
        workflow.ChainStep(ClosureStep.SIGN, Role.LEADER),
    )
    from_verified = {t.action: t.target for t in workflow.table_for(chain) if t.source == S.VERIFIED}
    assert from_verified["start_notice"] == S.IN_NOTICE
    assert from_verified["close"] == S.CLOSED
    assert workflow.find("close", S.IN_NOTICE, chain).target == S.CLOSED


@pytest.mark.parametrize(
    ("steps", "fragment"),
    [
        ((), "至少"),
        (((ClosureStep.SIGN, Role.LEADER, True), (ClosureStep.ACCEPT, Role.BUREAU, True)), "第一步"),
        (((ClosureStep.ACCEPT, Role.BUREAU, True), (ClosureStep.NOTICE, Role.BUREAU, True)), "公示不能"),
        (
            (
                (ClosureStep.ACCEPT, Role.BUREAU, True),
                (ClosureStep.FILE, Role.BUREAU, True),
                (ClosureStep.SIGN, Role.LEADER, True),
            ),
            "销号报备",
        ),
        (((ClosureStep.ACCEPT, Role.UNIT, True), (ClosureStep.SIGN, Role.LEADER, True)), "联络员"),
    ],
)
def test_bad_chains_are_refused(steps, fragment):
    errors = workflow.chain_errors(tuple(workflow.ChainStep(*s) for s in steps))
    assert any(fragment in e for e in errors), errors


def test_five_step_chain_is_valid():
    assert workflow.chain_errors(FIVE) == []
