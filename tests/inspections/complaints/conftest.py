"""Complaint fixtures: the shared ledger world plus a central round, a batch and cases built through the services."""

from datetime import date

import pytest
from openpyxl import Workbook

from inspections import services as core_services
from inspections.choices import RoundKind
from inspections.complaints import services
from tests.inspections.conftest import Ledger


class Complaints:
    def __init__(self, world: Ledger):
        self.world = world
        self.round = core_services.round_create(
            actor=world.bureau, kind=RoundKind.CENTRAL, batch=3, name="第三轮中央生态环境保护督察"
        )
        self.batch, _ = services.batch_get_or_create(
            actor=world.bureau, inspection_round=self.round, number=1, received_on=date(2024, 5, 6)
        )
        self._n = 0

    def case(self, *, summary="城东污水处理厂夜间偷排污水，河道发黑发臭", region="城东区", batch=None, **fields):
        self._n += 1
        return services.case_create(
            actor=self.world.bureau,
            batch=batch or self.batch,
            code=fields.pop("code", f"D{self._n:04d}"),
            summary=summary,
            region=region,
            seq=self._n,
            **fields,
        )

    def assigned(self, unit=None, **fields):
        return services.case_assign(
            actor=self.world.bureau, case=self.case(**fields), lead_unit=unit or self.world.water
        )


@pytest.fixture
def complaints(ledger):
    return Complaints(ledger)


def batch_file(path, rows, *, title="第三轮中央生态环境保护督察第五督察组交办XX市群众信访举报件（第3批）", header=None):
    """A batch file as inspection teams send it: a merged title row, a blank row, a header, the rows."""
    wb = Workbook()
    ws = wb.active
    header = header or ["序号", "受理\n编号", "交办问题基本情况", "行政\n区域", "污染类型", "重点件"]
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path
