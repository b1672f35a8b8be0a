"""考核通报 workbook: the ranking with each rule's figure and points. Text from data is written as text
(cell type "s"), so a unit name or a note starting with "=" is never a formula."""

from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..choices import AssessmentMetric

TITLE_FONT = Font(name="宋体", size=16, bold=True)
HEADER_FONT = Font(name="宋体", size=11, bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _put(ws, row: int, column: int, value, font=None):
    cell = ws.cell(row=row, column=column)
    if isinstance(value, int | float | Decimal):
        cell.value = float(value) if isinstance(value, Decimal) else value
    else:
        cell.value = "" if value is None else str(value)
        cell.data_type = "s"  # text as text: never a formula, whatever it starts with
    if font is not None:
        cell.font = font
    return cell


def ranking_workbook(scores, *, title: str, start, end) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("考核通报")
    metrics = AssessmentMetric.choices
    _put(
        ws,
        1,
        1,
        _("%(bureau)s %(period)s督察整改工作考核通报") % {"bureau": settings.BUREAU_NAME, "period": title},
        TITLE_FONT,
    )
    _put(ws, 2, 1, _("考核期间：%(start)s 至 %(end)s") % {"start": start.isoformat(), "end": end.isoformat()})
    headers = [_("排名"), _("单位"), _("得分")]
    for _metric, label in metrics:
        headers += [str(label), _("扣/加分")]
    for column, header in enumerate(headers, start=1):
        _put(ws, 4, column, header, HEADER_FONT).alignment = CENTER
    for index, score in enumerate(scores):
        row = 5 + index
        items = score.breakdown.get("items", {})
        _put(ws, row, 1, score.rank)
        _put(ws, row, 2, score.unit.name)
        _put(ws, row, 3, score.total)
        for offset, (metric, _label) in enumerate(metrics):
            item = items.get(metric)
            _put(ws, row, 4 + 2 * offset, Decimal(item["value"]) if item else "")
            _put(ws, row, 5 + 2 * offset, Decimal(item["points"]) if item else "")
    ws.column_dimensions["B"].width = 28
    ws.freeze_panes = "C5"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
