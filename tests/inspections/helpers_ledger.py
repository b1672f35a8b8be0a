"""A small ledger built through the services, for the reminder and dispatch-report tests."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine

from factories import TEST_NAMES, World
from inspections import services
from inspections.choices import RoundKind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 9):
    """time-machine at `day` `hour`:00 Shanghai time, frozen."""
    return time_machine.travel(datetime.combine(day, time(hour, 0), tzinfo=SHANGHAI), tick=False)


class Ledger(World):
    """The city, its water department and a township (under the "测试…" names the report assertions use), the
    bureau, two leaders and one contact per unit, every user with an e-mail address."""

    def __init__(self):
        super().__init__(
            units=("city", "water", "town"),
            users=("bureau", "leader", "other_leader", "water_user", "town_user"),
            names=TEST_NAMES,
        )
        self.root, self.water_contact, self.town_contact = self.city, self.water_user, self.town_user

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
    return Ledger()
