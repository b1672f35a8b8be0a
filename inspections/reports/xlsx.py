"""The dispatch report as a formatted workbook: one sheet per section, ready to print on A4 landscape.

Written in openpyxl's write-only mode so a report over 100,000 tasks streams to disk instead of
holding every cell in memory.
"""

from copy import copy
from datetime import date
from pathlib import Path

from django.conf import settings
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..workbooks import set_value
from .figures import Counts, DispatchFigures, StreamedRows

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(name="宋体", size=16, bold=True)
HEADER_FONT = Font(name="宋体", size=11, bold=True)
BODY_FONT = Font(name="宋体", size=10)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

COUNT_HEADERS = [
    ("任务总数", 10),
    ("已完成", 10),
    ("本周完成", 10),
    ("整改中", 10),
    ("尚未启动", 10),
    ("逾期", 8),
    ("完成率（%）", 11),
]
TASK_COLUMNS = [
    ("序号", 6, None),
    ("督察轮次", 22, "finding__round__name"),
    ("任务编号", 9, "code"),
    ("反馈问题", 40, "finding__summary"),
    ("牵头单位", 18, "lead_unit__name"),
    ("责任领导", 10, "finding__responsible_leader__full_name"),
    ("责任人", 9, "responsible_person"),
    ("整改时限", 20, "deadline_text"),
    ("期限日期", 11, "deadline"),
    ("状态", 10, "status_label"),
]

COLUMN_STYLES = {
    None: "center",
    "code": "center",
    "deadline": "date",
    "status_label": "center",
    "late": "center",
    "days": "center",
    "signed_off_on": "datetime",
}


def write_dispatch_xlsx(
    figures: DispatchFigures,
    narrative: str,
    path: Path,
    complaints: dict | None = None,
    supervision: dict | None = None,
) -> Path:
    """`complaints` is the 群众投诉 section (complaints.selectors.report_section), a sheet of its own when given;
    `supervision` the 督办约谈 section (the page's: supervision figures as_dict() plus "overdue_replies")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    _summary_sheet(wb, figures, narrative)
    _units_sheet(wb, figures)
    if supervision is not None:
        _supervision_sheet(wb, figures, supervision)
    if complaints:
        _complaints_sheet(wb, figures, complaints)
    _task_sheet(wb, figures, "逾期任务", "逾期未完成整改任务", figures.overdue, ("逾期天数", 9, "late"))
    _task_sheet(wb, figures, "14日内到期", "14日内到期整改任务", figures.due_soon, ("剩余天数", 9, "days"))
    _task_sheet(
        wb, figures, "本周销号", "本周销号（含长期坚持）任务", figures.closed_week, ("销号时间", 17, "signed_off_on")
    )
    tmp = path.with_suffix(".tmp")
    wb.save(tmp)
    tmp.replace(path)  # never leave a half-written workbook under the final name
    return path


def _sheet(wb, name: str, title: str, figures: DispatchFigures, widths: list[int], header_row: int):
    ws = wb.create_sheet(name)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"1:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    last = get_column_letter(len(widths))
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    ws.row_dimensions[1].height = 30
    ws.append([_cell(ws, f"{settings.BUREAU_NAME}{title}", "title")])
    ws.append(
        [
            _cell(
                ws,
                f"截至日期：{figures.day:%Y年%m月%d日}    统计周期：{figures.week_start:%Y年%m月%d日}至"
                f"{figures.day:%Y年%m月%d日}    填报单位：{settings.BUREAU_NAME}",
                "subtitle",
            )
        ]
    )
    return ws, last


STYLES = {
    # name: (font, alignment, fill, border, number format)
    "title": (TITLE_FONT, CENTER, None, None, None),
    "subtitle": (BODY_FONT, Alignment(horizontal="left", vertical="center"), None, None, None),
    "narrative": (BODY_FONT, Alignment(wrap_text=True, vertical="top"), None, None, None),
    "section": (HEADER_FONT, Alignment(vertical="center"), None, None, None),
    "header": (HEADER_FONT, CENTER, HEADER_FILL, BORDER, None),
    "total": (HEADER_FONT, CENTER, None, BORDER, None),
    "text": (BODY_FONT, WRAP, None, BORDER, None),
    "center": (BODY_FONT, CENTER, None, BORDER, None),
    "rate": (BODY_FONT, CENTER, None, BORDER, "0.0"),
    "date": (BODY_FONT, CENTER, None, BORDER, "yyyy-mm-dd"),
    "datetime": (BODY_FONT, CENTER, None, BORDER, "yyyy-mm-dd hh:mm"),
    "plain": (BODY_FONT, WRAP, None, None, None),
}


def _cell(ws, value, style: str = "plain"):
    """A cell with one of STYLES. Styling each cell from scratch hashes every style object per cell
    (most of the time of a large workbook); copying the style array of a styled template is cheap."""
    cell = set_value(WriteOnlyCell(ws), value)  # text stays text, never a formula
    templates = ws.parent.__dict__.setdefault("_dispatch_styles", {})
    if style not in templates:
        font, alignment, fill, border, number_format = STYLES[style]
        cell.font, cell.alignment = font, alignment
        if fill:
            cell.fill = fill
        if border:
            cell.border = border
        if number_format:
            cell.number_format = number_format
        templates[style] = copy(cell._style)
    else:
        cell._style = copy(templates[style])
    return cell


def _header(ws, names: list[str]):
    ws.append([_cell(ws, n, "header") for n in names])


def _counts(ws, counts: Counts) -> list:
    values = [
        counts.total,
        counts.complete,
        counts.complete_week,
        counts.in_progress,
        counts.not_started,
        counts.overdue,
        counts.rate,
    ]
    return [_cell(ws, v, "rate" if i == 6 else "center") for i, v in enumerate(values)]


def _summary_sheet(wb, figures: DispatchFigures, narrative: str) -> None:
    widths = [6, 36, 10] + [w for _, w in COUNT_HEADERS]
    ws, last = _sheet(wb, "总体情况", "督察整改工作周调度通报", figures, widths, header_row=5)
    ws.merged_cells.add(f"A3:{last}3")
    ws.row_dimensions[3].height = max(60, 15 * (len(narrative) // 60 + 1))
    ws.append([_cell(ws, narrative, "narrative")])
    ws.append([_cell(ws, "一、分轮次整改进展", "section")])
    _header(ws, ["序号", "督察轮次", "反馈问题数"] + [h for h, _ in COUNT_HEADERS])
    for index, row in enumerate(figures.rounds, start=1):
        ws.append(
            [
                _cell(ws, index, "center"),
                _cell(ws, row.name, "text"),
                _cell(ws, row.findings, "center"),
                *_counts(ws, row.counts),
            ]
        )
    ws.append(
        [
            _cell(ws, "", "text"),
            _cell(ws, "合计", "total"),
            _cell(ws, sum(r.findings for r in figures.rounds), "center"),
            *_counts(ws, figures.totals),
        ]
    )
    look = figures.lookback or {}
    ws.append([_cell(ws, "二、销号公示与回头看", "section")])
    ws.append(
        [
            _cell(ws, "", "text"),
            _cell(
                ws,
                f"公示中{figures.totals.in_notice}项；回头看抽查{look.get('sampled', 0)}项，已复查{look.get('checked', 0)}项，"
                f"巩固{look.get('holds', 0)}项、反弹{look.get('relapse', 0)}项、虚假整改{look.get('fake', 0)}项",
                "text",
            ),
        ]
    )


# The units sheet's closure columns after the counts: approved extensions and 回头看 relapses.
UNIT_CLOSURE_HEADERS = [("延期（次）", 10), ("回头看反弹（个）", 12)]


def _units_sheet(wb, figures: DispatchFigures) -> None:
    widths = [6, 28] + [w for _, w in COUNT_HEADERS] + [w for _, w in UNIT_CLOSURE_HEADERS]
    ws, _last = _sheet(wb, "单位排名", "各责任单位整改进展（按完成率排名）", figures, widths, header_row=3)
    _header(ws, ["排名", "牵头单位"] + [h for h, _ in COUNT_HEADERS] + [h for h, _ in UNIT_CLOSURE_HEADERS])
    for index, unit in enumerate(figures.units, start=1):
        ws.append(
            [
                _cell(ws, index, "center"),
                _cell(ws, unit.name, "text"),
                *_counts(ws, unit.counts),
                _cell(ws, unit.extensions, "center"),
                _cell(ws, unit.relapses, "center"),
            ]
        )


OVERDUE_REPLY_COLUMNS = [
    ("序号", 6, None),
    ("文号", 24, "doc_number"),
    ("督办种类", 12, "kind"),
    ("被督办单位", 28, "unit"),
    ("要求回复日期", 14, "reply_due"),
    ("逾期天数", 10, "days"),
]


def _supervision_sheet(wb, figures: DispatchFigures, section: dict) -> None:
    """督办约谈: the week's actions and those to date by kind, the units interviewed, and the replies overdue."""
    widths = [w for _, w, _ in OVERDUE_REPLY_COLUMNS]
    ws, _last = _sheet(wb, "督办约谈", "督察整改督办约谈问责情况", figures, widths, header_row=3)
    _header(ws, ["序号", "督办种类", "本周", "累计"])
    for index, row in enumerate(section["rows"], start=1):
        ws.append(
            [
                _cell(ws, index, "center"),
                _cell(ws, row["label"], "text"),
                _cell(ws, row["period"], "center"),
                _cell(ws, row["to_date"], "center"),
            ]
        )
    ws.append(
        [
            _cell(ws, "", "text"),
            _cell(ws, "合计", "total"),
            _cell(ws, sum(r["period"] for r in section["rows"]), "center"),
            _cell(ws, sum(r["to_date"] for r in section["rows"]), "center"),
        ]
    )
    ws.append([_cell(ws, f"本周约谈单位{section['units_interviewed']}家", "plain")])
    ws.append([])
    overdue = section["overdue_replies"]
    ws.append([_cell(ws, f"逾期未回复的督办（{section['reply_overdue']}份）", "section")])
    _header(ws, [h for h, _, _ in OVERDUE_REPLY_COLUMNS])
    for index, row in enumerate(overdue, start=1):
        ws.append(
            [
                _cell(ws, index, "center"),
                _cell(ws, row["doc_number"], "text"),
                _cell(ws, row["kind"], "center"),
                _cell(ws, row["unit"], "text"),
                _cell(ws, date.fromisoformat(row["reply_due"]), "date"),
                _cell(ws, row["days"], "center"),
            ]
        )
    if not overdue:
        ws.append([_cell(ws, "无")])


COMPLAINT_HEADERS = [
    ("受理量", 8, "received"),
    ("重复件", 8, "repeats"),
    ("已受理", 8, "accepted"),
    ("已办结", 8, "concluded"),
    ("已回访", 8, "followed_up"),
    ("满意", 8, "satisfied"),
    ("逾期未反馈", 10, "overdue"),
    ("受理率（%）", 11, "acceptance_rate"),
    ("办结率（%）", 11, "conclusion_rate"),
    ("满意率（%）", 11, "satisfaction_rate"),
]


def _complaints_sheet(wb, figures: DispatchFigures, section: dict) -> None:
    """群众投诉: the rates by round and in total (repeats counted once), the week's new cases, the handling."""
    widths = [6, 36] + [w for _, w, _ in COMPLAINT_HEADERS]
    ws, last = _sheet(wb, "群众投诉", "群众投诉（交办件）办理情况", figures, widths, header_row=5)
    ws.merged_cells.add(f"A3:{last}3")
    ws.row_dimensions[3].height = 45
    text = (
        f"{section['sentence']}本周新接收交办件{section['received_week']}件。处理情况：{section['handling_sentence']}。"
    )
    ws.append([_cell(ws, text, "narrative")])
    ws.append([_cell(ws, "分轮次受理、办结、回访情况（重复件只计一次）", "section")])
    _header(ws, ["序号", "督察轮次"] + [h for h, _, _ in COMPLAINT_HEADERS])

    def values(row: dict) -> list:
        return [_cell(ws, row[key], "rate" if key.endswith("_rate") else "center") for _, _, key in COMPLAINT_HEADERS]

    for index, row in enumerate(section["rounds"], start=1):
        ws.append([_cell(ws, index, "center"), _cell(ws, row["name"], "text"), *values(row)])
    ws.append([_cell(ws, "", "text"), _cell(ws, "合计", "total"), *values(section["totals"])])


def _task_sheet(wb, figures: DispatchFigures, name: str, title: str, rows: list[dict], extra) -> None:
    columns = TASK_COLUMNS + [extra]
    ws, _last = _sheet(wb, name, title, figures, [w for _, w, _ in columns], header_row=3)
    _header(ws, [h for h, _, _ in columns])
    styles = [COLUMN_STYLES.get(key, "text") for _, _, key in columns]
    keys = [key for _, _, key in columns[1:]]
    if isinstance(rows, StreamedRows):
        written = _stream_rows(ws, rows.values(keys), keys, styles)
    else:
        for index, row in enumerate(rows, start=1):
            values = [index] + [_value(row, key) for key in keys]
            ws.append([_cell(ws, v, style) for v, style in zip(values, styles, strict=True)])
        written = len(rows)
    if not written:
        ws.append([_cell(ws, "无")])


def _stream_rows(ws, rows, keys: list[str], styles: list[str]) -> int:
    """Write a long list with one styled cell per column, reused for every row: a write-only sheet
    serialises each appended row at once, so a cell only carries a value from the row to the XML.
    The values go through set_value (text stays text, never a formula); nothing else is made per row."""
    cells = [_cell(ws, None, style) for style in styles]
    ws._values_to_row = _cells_to_row  # every row of this sheet is a list of ready cells
    convert = [_value_converter(key) for key in keys]
    index = 0
    for index, values in enumerate(rows, start=1):
        set_value(cells[0], index)
        for cell, value, conv in zip(cells[1:], values, convert, strict=True):
            set_value(cell, conv(value) if conv else ("" if value is None else value))
        ws.append(cells)
    return index


def _cells_to_row(cells, row_idx: int):
    """The write-only sheet's `_values_to_row` for rows made only of cells: openpyxl's own first tries each
    cell as a value (an exception formatted with the cell's repr, and a fresh cell, per cell) before taking
    it as the cell; this places the cells as they are."""
    for col_idx, cell in enumerate(cells, 1):
        cell.column, cell.row = col_idx, row_idx
        yield cell


def _value_converter(key: str):
    if key == "signed_off_on":
        return lambda value: _value({key: value}, key)
    return None


def _value(row: dict, key: str):
    value = row.get(key)
    if key == "signed_off_on" and value is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    return value if value is not None else ""
