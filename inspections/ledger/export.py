"""Write the ledger (整改台账) workbook superiors expect, in openpyxl's write-only mode.

Memory stays flat whatever the row count: rows stream from a server-side cursor into the
workbook's XML stream; one styled cell object per column is reused for every row (write-only mode
serialises each row as it is appended, so reuse is safe and saves building millions of cells).
"""

import math
import re
import unicodedata
from array import array
from collections import defaultdict
from datetime import date
from itertools import islice

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.xml.functions import Element, SubElement

from rectify.replica import whole_result_plan

from ..choices import Category, TaskStatus
from ..figures import completion_rate, count_aggregates
from ..models import ProgressUpdate, RectificationTask
from ..workbooks import set_value
from .columns import COLUMNS, FINDING_KEYS

TITLE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = 4
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"
PROGRESS_EVERY = 1000
CHUNK = 2000  # rows fetched from the cursor at a time
PAPERSIZE_A3 = "8"  # the size bureaus print ledgers on

# Printing: A3 landscape at a fixed scale, never "fit to width" (19 columns fitted to a page printed at 3.5 pt).
# The text is BODY_PT; printed at PRINT_SCALE % it is BODY_PT * PRINT_SCALE / 100 >= MIN_PRINTED_PT, and the
# columns' widths (columns.py) add up to no more than fits across the page at that scale (see print_fits()).
BODY_PT = 11
PRINT_SCALE = 82
MIN_PRINTED_PT = 9
SIDE_MARGIN_IN = 0.4
A3_LONG_SIDE_IN = 420 / 25.4
# Row heights for wrapped text (openpyxl writes none, and LibreOffice then draws wrapped cells over each other):
# estimated from the text's length and the column's width; a CJK character takes about 2 width units.
LINE_PT = 16  # one line of 11 pt text (CJK fonts need more leading than Latin ones)
ROW_PADDING_PT = 4
MAX_ROW_PT = 409  # Excel's limit
WIDEST_UNIT_PX = 9.4  # see print_fits()

_BODY_FONT = Font(size=BODY_PT)
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
_CENTERED_KEYS = {"seq", "finding_number", "task_code", "category", "deadline_date", "status", "person"}

CATEGORY_LABELS = {value: str(label) for value, label in Category.choices}
STATUS_LABELS = {value: str(label) for value, label in TaskStatus.choices}

# What one row needs, read as tuples (no model instances: 100,000 rows must stay cheap).
ROW_FIELDS = (
    "pk",
    "finding_id",
    "finding__round__name",
    "finding__number",
    "finding__summary",
    "finding__category",
    "finding__region",
    "number",
    "goal",
    "measures",
    "lead_unit__name",
    "finding__responsible_leader__full_name",
    "finding__responsible_leader__username",
    "leader_text",
    "responsible_person",
    "deadline_text",
    "deadline",
    "status",
    "investment",
    "signed_off_at",
    "remark",
    "latest_progress",
    "original_deadline_text",
)


def ledger_title(round_name: str | None) -> str:
    return f"{round_name or '生态环境保护督察'}反馈问题整改台账"


def ledger_rows_queryset(tasks):
    """The export's rows as tuples (ROW_FIELDS order), in the queryset's own order (not yet run)."""
    latest_progress = (
        ProgressUpdate.objects.filter(task=OuterRef("pk")).order_by("-reported_on", "-id").values("text")[:1]
    )
    return tasks.annotate(latest_progress=Subquery(latest_progress)).values_list(*ROW_FIELDS)


def ledger_rows(tasks):
    """The export's rows, streamed from a server-side cursor CHUNK at a time."""
    return ledger_rows_queryset(tasks).iterator(chunk_size=CHUNK)


def cooperating_names(tasks) -> dict[int, str]:
    """配合单位 of `tasks` (a task queryset or a list of task ids) by task id, names joined with 、."""
    through = RectificationTask.cooperating_units.through
    names = defaultdict(list)
    ids = tasks.order_by().values("pk") if hasattr(tasks, "query") else tasks
    pairs = (
        through.objects.using(ids.db if hasattr(ids, "db") else None)
        .filter(rectificationtask_id__in=ids)
        .order_by("rectificationtask_id", "unit__name")
        .values_list("rectificationtask_id", "unit__name")
    )
    for task_id, name in pairs.iterator(chunk_size=5000):
        names[task_id].append(name)
    return {task_id: "、".join(units) for task_id, units in names.items()}


def round_figures(tasks, today: date) -> list[dict]:
    """Per-round totals of the exported tasks, one grouped query."""
    return list(
        RectificationTask.objects.filter(pk__in=tasks.order_by().values("pk"))
        .values("finding__round_id", "finding__round__name")
        .annotate(**count_aggregates(today), closed=Count("id", filter=Q(status=TaskStatus.CLOSED)))
        # By the round's date (进驻, else 反馈), oldest first; the name only breaks ties (Unicode order means nothing).
        .annotate(round_date=Coalesce("finding__round__inspection_start", "finding__round__feedback_date"))
        .order_by(F("round_date").asc(nulls_last=True), "finding__round__name")
    )


def text_lines(value, width: float) -> int:
    """How many lines `value` takes wrapped in a column `width` units wide (CJK and full-width characters 2)."""
    if value is None or value == "":
        return 1
    if not isinstance(value, str):
        return 1  # numbers and dates are short
    usable = max(width - 1, 1)  # the cell's own padding
    lines = 0
    for paragraph in value.split("\n"):
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in paragraph)
        lines += max(1, math.ceil(units / usable))
    return lines


def row_height(lines: int) -> float:
    return min(lines * LINE_PT + ROW_PADDING_PT, MAX_ROW_PT)


def print_fits() -> bool:
    """Do the columns fit across an A3 landscape page at PRINT_SCALE?

    A width unit is the default font's digit: 7 px in Excel (Calibri), but about 9.4 px in LibreOffice on a
    machine without Calibri or Carlito (it falls back to DejaVu Sans): the wider one decides, plus 5 px a column.
    """
    printable_px = (A3_LONG_SIDE_IN - 2 * SIDE_MARGIN_IN) * 96
    needed_px = sum(column.width * WIDEST_UNIT_PX + 5 for column in COLUMNS)
    return needed_px * PRINT_SCALE / 100 <= printable_px


_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\s]+')


def export_filename(round_name: str | None, today: date) -> str:
    """整改台账-<round>-<date>.xlsx for one round's tasks, 整改台账-<date>.xlsx for a mix."""
    day = f"{today:%Y-%m-%d}"
    if not round_name:
        return f"整改台账-{day}.xlsx"
    return f"整改台账-{_UNSAFE_IN_FILENAME.sub('_', round_name).strip('_')}-{day}.xlsx"


def _styled(ws, *, font=_BODY_FONT, fill=None, alignment=_WRAP, number_format=None, border=_BORDER) -> Cell:
    cell = Cell(ws, row=1, column=1)  # both are set by the writer on append
    cell.alignment = alignment
    if border is not None:
        cell.border = border
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    return cell


def _set(cell: Cell, value) -> Cell:
    return set_value(cell, value)  # text stays text, never a formula (inspections.workbooks)


XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _write_prepared_rows(ws) -> None:
    """Make `ws.append` take lists of prepared cells (value, type and style set) and write each row as one
    XML element.

    openpyxl's write-only append re-binds every value (for a Cell it first fails with an exception
    formatted with the cell's repr) and writes each cell through several generator steps; for
    100,000 rows x 19 columns that per-cell work is most of the export time. The rows and cells
    written here are the ones openpyxl writes (inline strings, numbers, dates as serial numbers,
    style ids from the workbook's style table); only the Python path to them is shorter.
    """
    ws._get_writer()
    heights: dict[int, float] = {}  # row number -> height in points, set before the row is appended
    ws.row_heights_pending = heights
    letters = [get_column_letter(i) for i in range(1, 64)]
    styles: dict[int, tuple] = {}  # id(cell) -> (cell, style id); holding the cell keeps the id unique

    def style_of(cell) -> str:
        known = styles.get(id(cell))
        if known is None:
            known = styles[id(cell)] = (cell, str(cell.style_id) if cell.has_style else "")
        return known[1]

    def write_row(xf, cells, row_idx):
        number = str(row_idx)
        height = heights.pop(row_idx, None)
        row = (
            Element("row", r=number) if height is None else Element("row", r=number, ht=f"{height:g}", customHeight="1")
        )
        for letter, cell in zip(letters, cells):
            if cell is None:
                continue
            attrs = {"r": letter + number}
            style = style_of(cell)
            if style:
                attrs["s"] = style
            value = cell._value
            if value is None or value == "":
                SubElement(row, "c", attrs)  # an empty, styled cell (borders), as openpyxl writes it
            elif cell.data_type == "s":
                attrs["t"] = "inlineStr"
                text = SubElement(
                    SubElement(SubElement(row, "c", attrs), "is"),
                    "t",
                    {XML_SPACE: "preserve"} if value != value.strip() else {},
                )
                text.text = value
            else:
                if cell.data_type == "d":
                    value = to_excel(value)
                SubElement(SubElement(row, "c", attrs), "v").text = (
                    repr(value) if isinstance(value, float) else str(value)
                )
        xf.write(row)

    ws._values_to_row = lambda cells, row_idx: cells
    ws._writer.write_row = write_row


def _signoff_text(status: str, signed_off_at) -> str:
    if status in (TaskStatus.CLOSED, TaskStatus.LONG_TERM) and signed_off_at:
        day = timezone.localtime(signed_off_at).date()
        return f"已销号（{day.year}年{day.month}月{day.day}日）"
    return ""


def row_values(row, seq: int, cooperating: dict[int, str]) -> dict:
    (
        pk,
        _finding_id,
        round_name,
        finding_number,
        summary,
        category,
        region,
        number,
        goal,
        measures,
        lead_unit,
        leader_full_name,
        leader_username,
        leader_text,
        person,
        deadline_text,
        deadline,
        status,
        investment,
        signed_off_at,
        remark,
        latest_progress,
        original_deadline_text,
    ) = row
    return {
        "seq": seq,
        "round": round_name,
        "finding_number": finding_number,
        "summary": summary,
        "category": CATEGORY_LABELS.get(category, category),
        "region": region,
        "task_code": f"{finding_number}-{number}",
        "goal": goal,
        "measures": measures,
        "lead_unit": lead_unit,
        "cooperating": cooperating.get(pk, ""),
        # As typed on the task (any separators, titles); else the finding's leader account.
        "leader": leader_text or leader_full_name or leader_username or "",
        "person": person,
        "deadline": deadline_text,
        "deadline_date": deadline,
        "original_deadline": original_deadline_text or "",
        "progress": latest_progress or "",
        "status": STATUS_LABELS.get(status, status),
        "investment": None if investment is None else float(investment),  # unknown stays blank, never 0
        "signoff": _signoff_text(status, signed_off_at),
        "remark": remark,
    }


def _set_layout(ws) -> None:
    """Widths, frozen header and print setup: set before the first row is written."""
    for index, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPERSIZE_A3
    ws.page_setup.scale = PRINT_SCALE
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    ws.page_margins = PageMargins(
        left=SIDE_MARGIN_IN, right=SIDE_MARGIN_IN, top=0.6, bottom=0.6, header=0.3, footer=0.3
    )
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _write_heading(ws, title: str, today: date, merges: "Merges") -> None:
    last = get_column_letter(len(COLUMNS))
    title_cell = _styled(ws, font=Font(bold=True, size=16), alignment=_CENTER, border=None)
    ws.row_heights_pending[TITLE_ROW] = 30
    ws.append([_set(title_cell, title)])
    merges.append(f"A{TITLE_ROW}:{last}{TITLE_ROW}")

    date_col = len(COLUMNS) - 1
    info = [None] * len(COLUMNS)
    info[0] = _set(
        _styled(ws, border=None, alignment=Alignment(vertical="center")), f"填报单位：{settings.BUREAU_NAME}"
    )
    info[date_col - 2] = _set(_styled(ws, border=None, alignment=Alignment(horizontal="right")), "填报日期：")
    info[date_col - 1] = _set(
        _styled(ws, border=None, number_format='yyyy"年"m"月"d"日"', alignment=Alignment(horizontal="left")), today
    )
    ws.row_heights_pending[INFO_ROW] = row_height(1)
    ws.append(info)
    merges.append(f"A{INFO_ROW}:{get_column_letter(date_col - 3)}{INFO_ROW}")
    merges.append(f"{get_column_letter(date_col)}{INFO_ROW}:{last}{INFO_ROW}")

    header_font = Font(bold=True, size=BODY_PT)
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    ws.row_heights_pending[HEADER_ROW] = row_height(max(text_lines(c.header, c.width) for c in COLUMNS))
    ws.append([_set(_styled(ws, font=header_font, fill=header_fill, alignment=_CENTER), c.header) for c in COLUMNS])


FINDING_LETTERS = [get_column_letter(i) for i, c in enumerate(COLUMNS, start=1) if c.key in FINDING_KEYS]


class Merges:
    """The sheet's merged ranges: the heading's few as "A1:S1" strings, and each finding's run of task rows as
    two integers (first and last row; the range of every finding column is made from them when written).

    Two machine integers per finding keep the memory flat: a million-task ledger held ~7 strings per finding
    (hundreds of MB) until the sheet closed, and the old writer built one XML element holding them all.
    """

    def __init__(self):
        self.fixed: list[str] = []
        self.runs = array("L")  # start, end, start, end, ...

    def append(self, ref: str) -> None:
        self.fixed.append(ref)

    def add_run(self, start: int, end: int) -> None:
        if end > start:
            self.runs.extend((start, end))

    def __len__(self) -> int:
        return len(self.fixed) + len(self.runs) // 2 * len(FINDING_LETTERS)

    def __iter__(self):
        yield from self.fixed
        runs = self.runs
        for i in range(0, len(runs), 2):
            start, end = runs[i], runs[i + 1]
            for letter in FINDING_LETTERS:
                yield f"{letter}{start}:{letter}{end}"


def _merge_run(merges: Merges, start: int, end: int) -> None:
    merges.add_run(start, end)


def _write_merges_at_close(ws, merges: "Merges") -> None:
    """Write the sheet's merged ranges when the sheet closes, one element at a time into the XML stream.

    openpyxl's MultiCellRange checks every new range against all earlier ones (quadratic: minutes
    for 100,000 tasks) and keeps an object per range; these are written in one pass.
    """
    ws._get_writer()
    writer = ws._writer

    def write_merged_cells():
        count = len(merges)
        if not count:
            return
        xf = writer.xf.send(True)  # the sheet's XML stream, as openpyxl's own write_rows takes it
        with xf.element("mergeCells", count=str(count)):
            for ref in merges:
                xf.write(Element("mergeCell", ref=ref))
        writer.xf.send(None)  # hand the stream back to openpyxl's writer

    writer.write_merged_cells = write_merged_cells


WIDTHS = {column.key: column.width for column in COLUMNS}
TASK_KEYS = [column.key for column in COLUMNS if column.key not in FINDING_KEYS]


def _lines(values: dict, keys) -> int:
    return max(text_lines(values[key], WIDTHS[key]) for key in keys)


def run_heights(run: list[dict]) -> list[float]:
    """Row heights of one finding's tasks: each fits its own cells, and together they fit the merged finding
    cells (the summary may need more lines than its tasks: the rows share the difference)."""
    lines = [_lines(values, TASK_KEYS) for values in run]
    missing = _lines(run[0], FINDING_KEYS) - sum(lines)
    if missing > 0:
        share, extra = divmod(missing, len(run))
        lines = [n + share + (1 if i < extra else 0) for i, n in enumerate(lines)]
    return [row_height(n) for n in lines]


def _write_tasks(ws, tasks, on_progress, merges: Merges, progress_every: int) -> int:
    cells = []
    for column in COLUMNS:
        number_format = (
            DATE_FORMAT if column.key == "deadline_date" else (MONEY_FORMAT if column.key == "investment" else None)
        )
        cells.append(
            _styled(ws, alignment=_CENTER if column.key in _CENTERED_KEYS else _WRAP, number_format=number_format)
        )
    keys = [column.key for column in COLUMNS]
    next_row = FIRST_DATA_ROW
    run: list[dict] = []  # one finding's rows, held until its last task so the heights fit the merged cells

    def flush() -> None:
        nonlocal next_row
        if not run:
            return
        start = next_row
        for index, (values, height) in enumerate(zip(run, run_heights(run), strict=True)):
            ws.row_heights_pending[next_row] = height
            # Cells under a merge stay empty, as Excel itself writes them; the border still shows.
            ws.append(
                [
                    _set(cell, None if index and key in FINDING_KEYS else values[key])
                    for cell, key in zip(cells, keys, strict=True)
                ]
            )
            next_row += 1
        _merge_run(merges, start, next_row - 1)
        run.clear()

    run_finding = None
    count = 0
    # Rows come CHUNK at a time from the server-side cursor, planned for the whole result; the 配合单位 of
    # each chunk's tasks are read in one query per chunk (nothing held for the rows already written).
    with whole_result_plan(tasks.db):
        rows = ledger_rows(tasks)
        while chunk := list(islice(rows, CHUNK)):
            cooperating = cooperating_names([row[0] for row in chunk])
            for row in chunk:
                count += 1
                finding_id = row[1]
                if finding_id != run_finding:
                    flush()
                    run_finding = finding_id
                run.append(row_values(row, count, cooperating))
                if on_progress and count % progress_every == 0:
                    on_progress(count)
    flush()
    return count


def _write_summary(ws, tasks, today: date) -> None:
    headers = ("督察轮次", "整改任务总数", "已完成整改", "其中已销号", "未完成", "其中已逾期", "完成率")
    for letter, width in zip("ABCDEFG", (40, 14, 14, 12, 10, 12, 10), strict=True):
        ws.column_dimensions[letter].width = width
    _write_prepared_rows(ws)
    ws.row_heights_pending[1] = 26
    ws.append([_set(_styled(ws, font=Font(bold=True, size=14), border=None, alignment=_CENTER), "按督察轮次汇总")])
    ws.merged_cells.add(CellRange("A1:G1"))
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    ws.append(
        [_set(_styled(ws, font=Font(bold=True, size=BODY_PT), fill=header_fill, alignment=_CENTER), h) for h in headers]
    )
    figures = round_figures(tasks, today)
    rate_format = "0.0%"
    totals = {"total": 0, "complete": 0, "closed": 0, "overdue": 0}
    for excel_row, fig in enumerate(figures + [None], start=3):
        if fig is None:
            fig = {"finding__round__name": "合计", **totals}
        else:
            for key in totals:
                totals[key] += fig[key]
        ws.row_heights_pending[excel_row] = row_height(text_lines(fig["finding__round__name"], 40))
        rate = completion_rate(fig["complete"], fig["total"]) / 100  # a fraction, shown with the 0.0% format
        ws.append(
            [
                _set(_styled(ws), fig["finding__round__name"]),
                *(_set(_styled(ws, alignment=_CENTER), fig[k]) for k in ("total", "complete", "closed")),
                _set(_styled(ws, alignment=_CENTER), fig["total"] - fig["complete"]),
                _set(_styled(ws, alignment=_CENTER), fig["overdue"]),
                _set(_styled(ws, alignment=_CENTER, number_format=rate_format), rate),
            ]
        )
    ws.freeze_panes = "A3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPERSIZE_A3


def write_ledger(
    tasks,
    destination,
    *,
    title: str | None = None,
    today: date | None = None,
    on_progress=None,
    progress_every: int | None = None,
) -> int:
    """Write `tasks` (a task queryset, already filtered and access-restricted) to `destination`.

    `destination` is a path or a binary file object. Returns the number of task rows written.
    `on_progress(rows_written)` is called every `progress_every` rows (PROGRESS_EVERY by default).
    """
    today = today or timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("整改台账")
    merges = Merges()
    _set_layout(ws)
    _write_prepared_rows(ws)
    _write_merges_at_close(ws, merges)
    _write_heading(ws, title or ledger_title(None), today, merges)
    count = _write_tasks(ws, tasks, on_progress, merges, progress_every or PROGRESS_EVERY)
    summary = wb.create_sheet("按轮次汇总")
    _write_summary(summary, tasks, today)
    wb.save(destination)
    return count


def export_title(tasks) -> str:
    """The round's name in the title when every exported task belongs to one round."""
    return ledger_title(single_round_name(tasks))


def single_round_name(tasks) -> str | None:
    """The name of the one round every exported task belongs to; None for a mix (or nothing)."""
    names = list(tasks.order_by().values_list("finding__round__name", flat=True).distinct()[:2])
    return names[0] if len(names) == 1 else None


TEMPLATE_EXAMPLE = {
    "seq": 1,
    "round": "第二轮中央生态环境保护督察",
    "finding_number": 1,
    "summary": "城区黑臭水体整治不到位",
    "category": "黑臭水体",
    "region": "东城片区",
    "task_code": "1-1",
    "goal": "消除黑臭",
    "measures": "控源截污、清淤疏浚",
    "lead_unit": "南山镇",
    "cooperating": "市住房和城乡建设局、河口镇",
    "leader": "市委常委、常务副市长",
    "person": "王建国",
    "deadline": "2024年6月底前",
    "deadline_date": None,
    "progress": "已完成截污管网 3.2 公里",
    "status": "整改中",
    "investment": 1280.5,
    "signoff": "",
    "remark": "重点督办",
}


def write_import_template(destination) -> None:
    """导入模板: the export's title rows and header, with one example row to overwrite."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("整改台账")
    merges = Merges()
    _set_layout(ws)
    _write_prepared_rows(ws)
    _write_merges_at_close(ws, merges)
    _write_heading(ws, ledger_title(None), timezone.localdate(), merges)
    cells = [_styled(ws) for _column in COLUMNS]
    ws.row_heights_pending[FIRST_DATA_ROW] = row_height(
        _lines({key: TEMPLATE_EXAMPLE.get(key) for key in WIDTHS}, WIDTHS)
    )
    ws.append([_set(cell, TEMPLATE_EXAMPLE.get(column.key)) for cell, column in zip(cells, COLUMNS, strict=True)])
    wb.save(destination)
