"""Data for the dispatch-report browser tests: bureau staff and one task due in five days, in the shared world
(tests/factories.py)."""

from datetime import timedelta

from django.utils import timezone

from factories import PASSWORD, World
from inspections import services
from inspections.choices import RoundKind


def one_task_ledger():
    """Bureau staff "duchaban" (password PASSWORD), a leader, and one round with one task of 市水务局.
    Returns the bureau user."""
    world = World(units=("city", "water"), users=("bureau", "leader"))
    inspection_round = services.round_create(
        actor=world.bureau, kind=RoundKind.CENTRAL, batch=2, name="第二轮中央生态环境保护督察"
    )
    services.finding_create(
        actor=world.bureau,
        inspection_round=inspection_round,
        summary="城区污水管网建设滞后",
        responsible_leader=world.leader,
        tasks=[{"lead_unit": world.water, "deadline_text": str(timezone.localdate() + timedelta(days=5))}],
    )
    return world.bureau
