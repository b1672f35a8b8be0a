"""The 边督边改 公开一览表 as xlsx: one row per case of a batch or of the whole stay, in the inspectorate's
columns, with the ledger's look (merged title, bordered header, 宋体, A4 landscape).

Never written: the complainant's name and contact (bureau-only data). A repeat (重复件) is listed with
its original's results and a note naming the original. Every text cell is text (inspections.workbooks.set_value).
"""

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from ..workbooks import set_value
from .columns import DISCLOSURE_COLUMNS

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
_TITLE_FONT = Font(name="宋体", size=16, bold=True)
_HEADER_FONT = Font(name="宋体", size=11, bold=True)
_BODY_FONT = Font(name="宋体", size=10)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CENTERED = {0, 1, 3, 4, 6}
TITLE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 3


def disclosure_title(round_name: str, batch_number: int | None) -> str:
    which = f"（第{batch_number}批）" if batch_number else "（全部批次）"
    return f"{round_name}交办群众信访举报件边督边改公开一览表{which}"


def _results(case) -> tuple[str, str, str, str]:
    """调查核实情况, 是否属实, 处理和整改情况, 责任人被处理情况 of a case (a repeat shows its original's)."""
    source = case.repeat_of if case.repeat_of_id and not case.verdict else case
    investigation = source.investigation
    if case.repeat_of_id:
        original = case.repeat_of
        note = f"（重复件，与第{original.batch.number}批 {original.code} 反映问题相同）"
        investigation = f"{note}{investigation}"
    handling = source.disclosure_text or source.handling
    verdict = source.get_verdict_display() if source.verdict else ""
    return investigation, verdict, handling, source.accountability


def disclosure_rows(cases):
    for index, case in enumerate(cases, start=1):
        investigation, verdict, handling, accountability = _results(case)
        yield [
            index,
            case.code,
            case.summary,
            case.region,
            case.get_pollution_type_display(),
            investigation,
            verdict,
            handling,
            accountability,
        ]


def write_disclosure(cases, target, *, title: str, bureau_name: str = "") -> int:
    """Write the list of `cases` (a queryset in publication order) to `target` (a path or a file); rows written."""
    cases = cases.select_related("batch", "repeat_of__batch")
    wb = Workbook()
    ws = wb.active
    ws.title = "公开一览表"
    width = len(DISCLOSURE_COLUMNS)
    set_value(ws.cell(TITLE_ROW, 1), title)
    ws.cell(TITLE_ROW, 1).font = _TITLE_FONT
    ws.cell(TITLE_ROW, 1).alignment = _CENTER
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=width)
    ws.row_dimensions[TITLE_ROW].height = 32
    info = f"填报单位：{bureau_name}    填报日期：{timezone.localdate():%Y年%m月%d日}".strip()
    set_value(ws.cell(INFO_ROW, 1), info)
    ws.cell(INFO_ROW, 1).font = _BODY_FONT
    ws.merge_cells(start_row=INFO_ROW, start_column=1, end_row=INFO_ROW, end_column=width)
    for col, (header, column_width) in enumerate(DISCLOSURE_COLUMNS, start=1):
        cell = set_value(ws.cell(HEADER_ROW, col), header)
        cell.font, cell.fill, cell.border, cell.alignment = _HEADER_FONT, _HEADER_FILL, _BORDER, _CENTER
        ws.column_dimensions[get_column_letter(col)].width = column_width
    written = 0
    for row_index, values in enumerate(disclosure_rows(cases.iterator(chunk_size=2000)), start=HEADER_ROW + 1):
        for col, value in enumerate(values, start=1):
            cell = set_value(ws.cell(row_index, col), value)
            cell.font, cell.border = _BODY_FONT, _BORDER
            cell.alignment = _CENTER if col - 1 in _CENTERED else _WRAP
        written += 1
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    wb.save(target)
    return written
