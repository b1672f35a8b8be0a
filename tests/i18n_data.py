"""Data for the language tests: a bureau user and one overdue task, with Chinese names that must stay."""

from datetime import date

from accounts.choices import Role, UnitKind
from accounts.services import unit_create, user_create
from inspections import services
from inspections.choices import RoundKind


def bureau_with_one_task(password=None):
    city = unit_create(name="XX市生态环境局", code="CITY", kind=UnitKind.BUREAU)
    water = unit_create(name="市水务局", code="SW", kind=UnitKind.DEPARTMENT, parent=city)
    staff = user_create(username="staff", password=password, role=Role.BUREAU, unit=city, full_name="王督察")
    leader = user_create(username="leader", password=password, role=Role.LEADER, full_name="张副县长")
    round_ = services.round_create(
        actor=staff, kind=RoundKind.PROVINCIAL, batch=1, name="省级生态环境保护督察", feedback_date=date(2024, 1, 10)
    )
    services.finding_create(
        actor=staff,
        inspection_round=round_,
        summary="污水直排问题",
        responsible_leader=leader,
        tasks=[{"lead_unit": water, "deadline_text": "2024年12月31日前", "assigned_on": date(2024, 1, 1)}],
    )
    return staff
