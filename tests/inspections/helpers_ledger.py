"""A small ledger built through the services, for the reminder and dispatch-report tests."""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine

from accounts.choices import Role, UnitKind
from accounts.services import unit_create, user_create
from inspections import services
from inspections.choices import RoundKind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 9):
    """time-machine at `day` `hour`:00 Shanghai time, frozen."""
    return time_machine.travel(datetime.combine(day, time(hour, 0), tzinfo=SHANGHAI), tick=False)


@dataclass
class Ledger:
    bureau: object
    leader: object
    other_leader: object
    root: object
    water: object
    town: object
    water_contact: object
    town_contact: object

    def round(self, name="第二轮中央生态环境保护督察", kind=RoundKind.CENTRAL, batch=2):
        return services.round_create(actor=self.bureau, kind=kind, batch=batch, name=name)

    def task(self, inspection_round, deadline: date | str, *, unit=None, leader=None, summary="城区污水直排"):
        finding = services.finding_create(
            actor=self.bureau,
            inspection_round=inspection_round,
            summary=summary,
            responsible_leader=leader or self.leader,
            tasks=[{"lead_unit": unit or self.water, "deadline_text": str(deadline)}],
        )
        return finding.tasks.get()


def make_ledger() -> Ledger:
    root = unit_create(name="测试市生态环境局", code="T-ROOT", kind=UnitKind.BUREAU)
    water = unit_create(name="测试市水务局", code="T-SW", kind=UnitKind.DEPARTMENT, parent=root)
    town = unit_create(name="测试南山镇", code="T-NS", kind=UnitKind.TOWNSHIP, parent=root)
    return Ledger(
        bureau=user_create(
            username="t_bureau",
            password=None,
            role=Role.BUREAU,
            unit=root,
            full_name="王督察",
            email="bureau@example.gov.cn",
        ),
        leader=user_create(
            username="t_leader", password=None, role=Role.LEADER, full_name="张副市长", email="leader@example.gov.cn"
        ),
        other_leader=user_create(
            username="t_leader2", password=None, role=Role.LEADER, full_name="陈副市长", email="leader2@example.gov.cn"
        ),
        root=root,
        water=water,
        town=town,
        water_contact=user_create(
            username="t_water",
            password=None,
            role=Role.UNIT,
            unit=water,
            full_name="水务联络员",
            email="water@example.gov.cn",
        ),
        town_contact=user_create(
            username="t_town",
            password=None,
            role=Role.UNIT,
            unit=town,
            full_name="南山联络员",
            email="town@example.gov.cn",
        ),
    )
