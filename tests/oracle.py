"""The task workflow written out by hand from docs/domain.md ("Status of a task", "Closure chain"), never read
from inspections/workflow.py: the workflow, services, API and permission tests all check the code against it.

Two chains: the default (验收 → 审签, `TRANSITIONS`) and a five-step one (验收 → 公示 → 审签 → 复核 → 销号报备,
`FIVE_STEP_TRANSITIONS`).
"""

from accounts.choices import Role
from inspections.choices import TaskStatus as S

A, B, L, U, SUP = Role.ADMIN, Role.BUREAU, Role.LEADER, Role.UNIT, Role.SUPERIOR

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
# Every action of every chain (the default chain uses the first seven).
ACTIONS = (
    "start",
    "submit",
    "verify",
    "reject",
    "close",
    "keep_long_term",
    "reopen",
    "start_notice",
    "recheck",
    "file",
)

# How a new task reaches each state, the way its people move it: (action, role who does it).
ROUTE = {
    S.NOT_STARTED: (),
    S.IN_PROGRESS: (("start", U),),
    S.SUBMITTED: (("start", U), ("submit", U)),
    S.VERIFIED: (("start", U), ("submit", U), ("verify", B)),
    S.CLOSED: (("start", U), ("submit", U), ("verify", B), ("close", L)),
    S.LONG_TERM: (("start", U), ("submit", U), ("verify", B), ("keep_long_term", L)),
}


# The states a task of the default chain can be in (公示中, 已审签, 已复核 belong to longer chains).
DEFAULT_STATES = tuple(ROUTE)

# The five-step chain as a bureau configures it: (step, role that acts, required).
FIVE_STEP_CHAIN = (
    ("accept", B, True),
    ("notice", B, True),
    ("sign", L, True),
    ("recheck", SUP, True),
    ("file", B, True),
)
FIVE_STEP_TRANSITIONS = {
    ("start", S.NOT_STARTED): (S.IN_PROGRESS, {U, B, A}, False),
    ("submit", S.NOT_STARTED): (S.SUBMITTED, {U, A}, False),
    ("submit", S.IN_PROGRESS): (S.SUBMITTED, {U, A}, False),
    # 县级验收 by the bureau, or back to work.
    ("verify", S.SUBMITTED): (S.VERIFIED, {B, A}, False),
    ("reject", S.SUBMITTED): (S.IN_PROGRESS, {B, A}, True),
    # 公示 by the bureau.
    ("start_notice", S.VERIFIED): (S.IN_NOTICE, {B, A}, False),
    ("reject", S.VERIFIED): (S.IN_PROGRESS, {B, A}, True),
    # After the notice the responsible leader signs (or keeps it as 长期坚持); an upheld objection sends it back.
    ("close", S.IN_NOTICE): (S.SIGNED, {L, A}, False),
    ("keep_long_term", S.IN_NOTICE): (S.LONG_TERM, {L, A}, False),
    ("reject", S.IN_NOTICE): (S.IN_PROGRESS, {B, L, A}, True),
    # 市级复核 by the superior bureau, which may also send it back.
    ("recheck", S.SIGNED): (S.RECHECKED, {SUP, A}, False),
    ("reject", S.SIGNED): (S.IN_PROGRESS, {B, SUP, A}, True),
    # 销号报备 by the bureau closes it.
    ("file", S.RECHECKED): (S.CLOSED, {B, A}, False),
    ("reject", S.RECHECKED): (S.IN_PROGRESS, {B, A}, True),
    ("close", S.LONG_TERM): (S.CLOSED, {L, A}, False),
    ("reopen", S.CLOSED): (S.IN_PROGRESS, {A}, True),
    ("reopen", S.LONG_TERM): (S.IN_PROGRESS, {A}, True),
}
FIVE_STEP_ROUTE = {
    S.NOT_STARTED: (),
    S.IN_PROGRESS: (("start", U),),
    S.SUBMITTED: (("start", U), ("submit", U)),
    S.VERIFIED: (("start", U), ("submit", U), ("verify", B)),
    S.IN_NOTICE: (("start", U), ("submit", U), ("verify", B), ("start_notice", B)),
    S.SIGNED: (("start", U), ("submit", U), ("verify", B), ("start_notice", B), ("close", L)),
    S.RECHECKED: (("start", U), ("submit", U), ("verify", B), ("start_notice", B), ("close", L), ("recheck", SUP)),
    S.CLOSED: (
        ("start", U),
        ("submit", U),
        ("verify", B),
        ("start_notice", B),
        ("close", L),
        ("recheck", SUP),
        ("file", B),
    ),
    S.LONG_TERM: (("start", U), ("submit", U), ("verify", B), ("start_notice", B), ("keep_long_term", L)),
}


def is_allowed(action, source, role) -> bool:
    return role in TRANSITIONS.get((action, source), (None, ()))[1]


def target(action, source):
    return TRANSITIONS[(action, source)][0]


def needs_reason(action, source) -> bool:
    return TRANSITIONS[(action, source)][2]
