"""Read a ledger file into checked rows: the first step of an import (parse, then plan, then write).

Nothing here touches the database. Every problem of every row is collected in one pass with its
row, column, value and message; a problem of the whole file (a missing column, no round) is said
once, with no row. The file's as-of date (填报日期 / 截至) is read from the rows above the header.
"""

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ..choices import Category, RoundKind, TaskStatus
from .columns import COLUMN_BY_KEY
from .reader import LedgerRefused, open_sheet, read_ledger
from .statuses import status_from_text

_SPLIT = re.compile(r"[、,，;；/\n]+")
_DIGITS = re.compile(r"\d+")
_CHINESE_NUMBERS = "一二三四五六七八九十"
CATEGORY_BY_LABEL = {str(label): value for value, label in Category.choices}
MAX_SUMMARY = 500

# 2023年7月10日, 2023-07-10, 2023.7.10, 2023/7/10 (after NFKC folding and removing spaces)
_DAY = re.compile(r"(\d{4})[年\-./](\d{1,2})[月\-./](\d{1,2})日?")
_MONTH_END = re.compile(r"(\d{4})年(\d{1,2})月(?:底|末)")
_AS_OF_LABELS = ("填报日期", "填报时间", "截至", "截止", "统计日期", "数据截至")


@dataclass
class RowError:
    row: int | None  # None: a problem of the whole file, said once
    column: str
    message: str
    value: str = ""


@dataclass
class ParsedTask:
    row: int
    round_name: str
    finding_number: int
    number: int | None
    summary: str
    category: str
    region: str
    leader_text: str  # 责任领导 exactly as typed (any separators), kept per task
    leader_names: list  # the names in it, for matching leader accounts
    goal: str
    measures: str
    lead_unit: str
    cooperating: list
    person: str
    deadline_value: object
    deadline_date: date | None
    status: str
    investment: Decimal | None  # None: the cell is blank (unknown, not 0)
    progress: str
    remark: str
    signed_off_on: date | None  # the date in 销号情况 ("已销号（2024年3月5日）"), when written

    @property
    def key(self) -> str:
        return task_key(self.round_name, self.finding_number, self.number)

    @property
    def code(self) -> str:
        return f"{self.finding_number}-{self.number}"


def task_key(round_name: str, finding_number: int, number: int) -> str:
    """How a task is named between the preview and the confirm (its accept checkbox)."""
    return f"{round_name}|{finding_number}|{number}"


@dataclass
class ParsedFile:
    rows: list = field(default_factory=list)  # ParsedTask, rows without errors
    row_count: int = 0
    errors: list = field(default_factory=list)
    as_of: date | None = None  # from the title rows
    unknown_columns: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)

    def error(self, row, column: str, message: str, value="") -> None:
        self.errors.append(RowError(row, column, message, _text(value)[:100]))

    def label(self, key: str) -> str:
        return self.labels.get(key) or COLUMN_BY_KEY[key].header


def fold(value) -> str:
    """Cell text for comparing names: NFKC-folded, no spaces."""
    if value is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


def _number(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and value >= 1 else None
    text = fold(value)
    if text in _CHINESE_NUMBERS:
        return _CHINESE_NUMBERS.index(text) + 1
    match = _DIGITS.search(text)
    return int(match[0]) if match and int(match[0]) >= 1 else None


def _task_number(value) -> int | None:
    """任务编号 as "3-2" (finding-task) or a plain number."""
    text = fold(value)
    if not text:
        return None
    numbers = _DIGITS.findall(text)
    return int(numbers[-1]) if numbers and int(numbers[-1]) >= 1 else None


def parse_money(value) -> Decimal | None:
    """投入资金 in 万元; a blank cell is None (unknown), never 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = fold(value).replace("万元", "").replace(",", "")
    if text in ("-", "—", "/", "－"):
        return None
    amount = Decimal(str(value) if isinstance(value, (int, float)) else text).quantize(Decimal("0.01"))
    if amount < 0 or amount >= Decimal("1e12"):
        raise InvalidOperation
    return amount


def _category(value) -> str:
    text = fold(value)
    if not text:
        return Category.OTHER
    if text in CATEGORY_BY_LABEL:
        return CATEGORY_BY_LABEL[text]
    for label, key in CATEGORY_BY_LABEL.items():
        if text in label or label in text:
            return key
    return Category.OTHER


def round_kind_from_name(name: str) -> tuple[str, int]:
    lookback = "回头看" in name
    if "中央" in name:
        kind = RoundKind.CENTRAL_LOOKBACK if lookback else RoundKind.CENTRAL
    elif "省" in name:
        kind = RoundKind.PROVINCIAL_LOOKBACK if lookback else RoundKind.PROVINCIAL
    elif "市" in name:
        kind = RoundKind.MUNICIPAL
    else:
        kind = RoundKind.SPECIAL
    batch = 1
    match = re.search(r"第([一二三四五六七八九十]|\d+)轮", name)
    if match:
        token = match[1]
        batch = _CHINESE_NUMBERS.index(token) + 1 if token in _CHINESE_NUMBERS else int(token)
    return kind, max(batch, 1)


def date_in_text(text) -> date | None:
    """The first date written in `text` (2023年7月10日, 2023-07-10, 2023.7.10, 2023年7月底), or None."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    folded = fold(text)
    match = _DAY.search(folded)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _MONTH_END.search(folded)
        if match:
            year, month = int(match[1]), int(match[2])
            return date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None
    return None


def as_of_from_title(title_rows) -> date | None:
    """填报日期 / 截至 in the rows above the header: in the same cell ("填报日期：2023年7月10日",
    "（截至2023年7月底）") or in a cell after the label (the export writes a date cell there)."""
    for values in title_rows:
        cells = list(values or ())
        for index, value in enumerate(cells):
            text = fold(value)
            if not any(label in text for label in _AS_OF_LABELS):
                continue
            position = min(text.find(label) for label in _AS_OF_LABELS if label in text)
            found = date_in_text(text[position:])
            if found:
                return found
            for later in cells[index + 1 : index + 4]:
                found = date_in_text(later)
                if found:
                    return found
    return None


def _parse_row(parsed: ParsedFile, header, number: int, cells: dict, default_round) -> ParsedTask | None:
    errors_before = len(parsed.errors)
    label = parsed.label
    round_name = _text(cells.get("round")) or (default_round.name if default_round else "")
    if not round_name and "round" in header.columns:
        parsed.error(number, label("round"), _("督察轮次不能为空（或在导入页选择要导入到的督察轮次）。"))
    finding_key = "finding_number" if "finding_number" in header.columns else "seq"
    finding_number = _number(cells.get(finding_key))
    if finding_number is None and finding_key in header.columns:
        parsed.error(
            number,
            label(finding_key),
            _("问题编号无效：“%(value)s”。") % {"value": _text(cells.get(finding_key))},
            cells.get(finding_key),
        )
    summary = _text(cells.get("summary"))
    if not summary:
        parsed.error(number, label("summary"), _("反馈问题不能为空。"))
    elif len(summary) > MAX_SUMMARY:
        parsed.error(
            number,
            label("summary"),
            _("反馈问题简述超过 500 字，请精简（详细描述可在系统中补充）。"),
            summary,
        )
    lead_unit = _text(cells.get("lead_unit"))
    if not lead_unit:
        parsed.error(number, label("lead_unit"), _("牵头单位不能为空。"))
    deadline_value = cells.get("deadline")
    if isinstance(deadline_value, str):
        deadline_value = deadline_value.strip()
    if deadline_value in (None, ""):
        parsed.error(number, label("deadline"), _("整改时限不能为空。"))
    deadline_date = cells.get("deadline_date")
    if isinstance(deadline_date, datetime):
        deadline_date = deadline_date.date()
    elif not isinstance(deadline_date, date):
        deadline_date = None
    status_text = _text(cells.get("status"))
    status = status_from_text(status_text)
    if status is None:
        parsed.error(
            number,
            label("status"),
            _(
                "无法识别的完成情况：“%(value)s”。可填：尚未启动、整改中、序时推进、基本完成、已申请销号、"
                "已完成、已完成整改、已销号、长期坚持、已完成（长期坚持）。"
            )
            % {"value": status_text},
            status_text,
        )
    signoff = cells.get("signoff")
    if status == TaskStatus.NOT_STARTED and "已销号" in fold(signoff):
        status = TaskStatus.CLOSED
    try:
        investment = parse_money(cells.get("investment"))
    except (InvalidOperation, ValueError):
        investment = None
        parsed.error(
            number,
            label("investment"),
            _("投入资金应为不小于 0 的数字（万元），不是“%(value)s”。") % {"value": _text(cells.get("investment"))},
            cells.get("investment"),
        )
    leader_text = _text(cells.get("leader"))
    if len(leader_text) > 200:
        parsed.error(number, label("leader"), _("责任领导超过 200 字。"), leader_text)
    if len(parsed.errors) > errors_before or finding_number is None or not round_name:
        return None
    return ParsedTask(
        row=number,
        round_name=round_name,
        finding_number=finding_number,
        number=_task_number(cells.get("task_code")),
        summary=summary,
        category=_category(cells.get("category")),
        region=_text(cells.get("region"))[:100],
        leader_text=leader_text,
        leader_names=[n.strip() for n in _SPLIT.split(leader_text) if n.strip()],
        goal=_text(cells.get("goal")),
        measures=_text(cells.get("measures")),
        lead_unit=lead_unit[:100],
        cooperating=[n.strip()[:100] for n in _SPLIT.split(_text(cells.get("cooperating"))) if n.strip()],
        person=_text(cells.get("person"))[:100],
        deadline_value=deadline_value,
        deadline_date=deadline_date,
        status=status,
        investment=investment,
        progress=_text(cells.get("progress")),
        remark=_text(cells.get("remark")),
        signed_off_on=date_in_text(signoff) if status in (TaskStatus.CLOSED, TaskStatus.LONG_TERM) else None,
    )


def _file_level_checks(parsed: ParsedFile, header, default_round) -> None:
    if "round" not in header.columns and default_round is None:
        parsed.error(None, "督察轮次", _("缺少督察轮次：文件中没有“督察轮次”列时，请选择要导入到的督察轮次。"))
    if "finding_number" not in header.columns and "seq" not in header.columns:
        parsed.error(None, "问题编号", _("文件中没有“问题编号”或“序号”列。"))


def _number_tasks(parsed: ParsedFile) -> None:
    """Tasks without a 任务编号 are numbered in file order within their finding; duplicates are errors."""
    seen, counters = {}, {}
    for row in parsed.rows:
        finding_key = (row.round_name, row.finding_number)
        if row.number is None:
            counters[finding_key] = counters.get(finding_key, 0) + 1
            row.number = counters[finding_key]
        else:
            counters[finding_key] = max(counters.get(finding_key, 0), row.number)
        if row.key in seen:
            parsed.error(
                row.row,
                "任务编号",
                _("与第 %(row)s 行重复：%(round)s 问题 %(finding)s 的第 %(number)s 项任务出现了两次。")
                % {"row": seen[row.key], "round": row.round_name, "finding": row.finding_number, "number": row.number},
                row.code,
            )
        else:
            seen[row.key] = row.row
    duplicates = {e.row for e in parsed.errors if e.column == "任务编号"}
    parsed.rows = [row for row in parsed.rows if row.row not in duplicates]


def parse_file(path, *, default_round=None, on_progress=None) -> ParsedFile:
    """Read and check every row of the ledger at `path`. Raises LedgerRefused for a refused file."""
    parsed = ParsedFile()
    workbook, sheet = open_sheet(path)
    try:
        header, rows = read_ledger(sheet)
        parsed.labels = header.labels
        parsed.as_of = as_of_from_title(header.title_rows)
        parsed.unknown_columns = list(header.unknown)
        _file_level_checks(parsed, header, default_round)
        for number, cells in rows:
            parsed.row_count += 1
            row = _parse_row(parsed, header, number, cells, default_round)
            if row is not None:
                parsed.rows.append(row)
            if on_progress and parsed.row_count % 1000 == 0:
                on_progress(parsed.row_count)
    except LedgerRefused:
        raise
    except Exception as exc:  # a damaged sheet inside a valid package: refuse, never a 500
        raise LedgerRefused(_("工作表内容已损坏，无法读取，请用 Excel 或 WPS 打开后重新保存为 .xlsx 再上传。")) from exc
    finally:
        workbook.close()
    if parsed.row_count == 0:
        raise LedgerRefused(_("表头下面没有数据行。"))
    _number_tasks(parsed)
    parsed.errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    return parsed
