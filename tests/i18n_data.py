"""Data for the language tests: bureau staff and one overdue task of the shared world (tests/factories.py),
with Chinese names that must stay."""

from datetime import date

from factories import World
from inspections import services
from inspections.choices import RoundKind


def bureau_with_one_task(password=None):
    # The browser tests log in as "staff".
    world = World(units=("city", "water"), users=("bureau", "leader"), usernames={"bureau": "staff"}, password=password)
    round_ = services.round_create(
        actor=world.bureau,
        kind=RoundKind.PROVINCIAL,
        batch=1,
        name="省级生态环境保护督察",
        feedback_date=date(2024, 1, 10),
    )
    services.finding_create(
        actor=world.bureau,
        inspection_round=round_,
        summary="污水直排问题",
        responsible_leader=world.leader,
        tasks=[{"lead_unit": world.water, "deadline_text": "2024年12月31日前", "assigned_on": date(2024, 1, 1)}],
    )
    return world.bureau
