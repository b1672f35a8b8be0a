"""Data for the dispatch-report browser tests: bureau staff and one task due in five days, made through services."""

from datetime import timedelta

from django.utils import timezone

from accounts.choices import Role
from accounts.services import unit_create, user_create
from inspections import services
from inspections.choices import RoundKind

PASSWORD = "Rectify@2026"


def one_task_ledger():
    """Bureau staff "duchaban" (password PASSWORD), a leader, and one round with one task of 市水务局.
    Returns the bureau user."""
    unit = unit_create(name="市水务局", code="SW", kind="department")
    bureau = user_create(username="duchaban", password=PASSWORD, role=Role.BUREAU, full_name="王督察")
    leader = user_create(username="leader", password=None, role=Role.LEADER, full_name="张副市长")
    inspection_round = services.round_create(
        actor=bureau, kind=RoundKind.CENTRAL, batch=2, name="第二轮中央生态环境保护督察"
    )
    services.finding_create(
        actor=bureau,
        inspection_round=inspection_round,
        summary="城区污水管网建设滞后",
        responsible_leader=leader,
        tasks=[{"lead_unit": unit, "deadline_text": str(timezone.localdate() + timedelta(days=5))}],
    )
    return bureau
