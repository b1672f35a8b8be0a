"""The task workflow written out by hand from docs/domain.md ("Status of a task"), never read from
inspections/workflow.py: the workflow, services, API and permission tests all check the code against it.
"""

from accounts.choices import Role
from inspections.choices import TaskStatus as S

A, B, L, U = Role.ADMIN, Role.BUREAU, Role.LEADER, Role.UNIT

# (action, source state) -> (target state, roles allowed, reason required)
TRANSITIONS = {
    ("start", S.NOT_STARTED): (S.IN_PROGRESS, {U, B, A}, False),
    ("submit", S.NOT_STARTED): (S.SUBMITTED, {U, A}, False),
    ("submit", S.IN_PROGRESS): (S.SUBMITTED, {U, A}, False),
    ("verify", S.SUBMITTED): (S.VERIFIED, {B, A}, False),
    ("reject", S.SUBMITTED): (S.IN_PROGRESS, {B, A}, True),
    ("reject", S.VERIFIED): (S.IN_PROGRESS, {B, L, A}, True),
    ("close", S.VERIFIED): (S.CLOSED, {L, A}, False),
    ("close", S.LONG_TERM): (S.CLOSED, {L, A}, False),
    ("keep_long_term", S.VERIFIED): (S.LONG_TERM, {L, A}, False),
    ("reopen", S.CLOSED): (S.IN_PROGRESS, {A}, True),
    ("reopen", S.LONG_TERM): (S.IN_PROGRESS, {A}, True),
}
ACTIONS = ("start", "submit", "verify", "reject", "close", "keep_long_term", "reopen")

# How a new task reaches each state, the way its people move it: (action, role who does it).
ROUTE = {
    S.NOT_STARTED: (),
    S.IN_PROGRESS: (("start", U),),
    S.SUBMITTED: (("start", U), ("submit", U)),
    S.VERIFIED: (("start", U), ("submit", U), ("verify", B)),
    S.CLOSED: (("start", U), ("submit", U), ("verify", B), ("close", L)),
    S.LONG_TERM: (("start", U), ("submit", U), ("verify", B), ("keep_long_term", L)),
}


def is_allowed(action, source, role) -> bool:
    return role in TRANSITIONS.get((action, source), (None, ()))[1]


def target(action, source):
    return TRANSITIONS[(action, source)][0]


def needs_reason(action, source) -> bool:
    return TRANSITIONS[(action, source)][2]
