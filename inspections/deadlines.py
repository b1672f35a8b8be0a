"""Parse the 整改时限 (rectification deadline) column of a ledger into a date.

Ledgers write deadlines as free text ("2024年6月底前", "2023年底前完成阶段性整改，2025年底前全面完成",
"立行立改", "长期坚持") or as Excel date cells. `parse_deadline` turns any of them into a
`ParsedDeadline`; the original text is always kept beside the parsed date. Pure Python: the
Django settings are read only for the 立行立改 default, and only when they are configured.
"""

from __future__ import annotations

import calendar
import decimal
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext_lazy

# Deadline kinds. Plain strings on purpose: inspections/choices.py (DeadlineKind) uses the same
# values, and this module must import without the app registry.
KIND_DATED = "dated"
KIND_IMMEDIATE = "immediate"
KIND_LONG_TERM = "long_term"

# A deadline outside these years is a typo ("2204年") or a wrong Excel cell, never a real plan.
MIN_YEAR = 2000
MAX_YEAR = 2100

DEFAULT_IMMEDIATE_DAYS = 30

EMPTY_MESSAGE = gettext_lazy("整改时限不能为空")
UNRECOGNISED_MESSAGE = gettext_lazy(
    "无法识别的整改时限：“%(text)s”。请填写日期，如“2024年6月30日”“2024年6月底前”“立行立改”或“长期坚持”。"
)
INVALID_DATE_MESSAGE = gettext_lazy("整改时限中的日期不存在：“%(text)s”（%(detail)s）。")
YEAR_RANGE_MESSAGE = gettext_lazy("整改时限中的年份超出范围：“%(text)s”（年份应在%(low)s年至%(high)s年之间）。")


class DeadlineParseError(ValueError):
    """The deadline cannot be understood; the message is shown to users as is (Chinese)."""

    def __init__(self, message: str, *, text: str = ""):
        super().__init__(message)
        self.text = text


@dataclass(frozen=True)
class ParsedDeadline:
    text: str  # the original text, stripped, otherwise verbatim
    kind: str  # KIND_DATED | KIND_IMMEDIATE | KIND_LONG_TERM
    deadline: date | None  # the final deadline; None only for long-term work without any date
    milestones: tuple[date, ...] = ()  # the other phase dates, ascending, without the deadline


def format_deadline(d: date) -> str:
    """2024-06-30 -> "2024年6月30日", the way ledgers write it."""
    return f"{d.year}年{d.month}月{d.day}日"


# --------------------------------------------------------------------------------------------
# Patterns. They run on NFKC-folded text, so full-width digits and punctuation ("２０２４．６．３０",
# "，") are already ASCII. Every pattern starts with (?<!\d) so that "12024年" is not read as
# 2024, and each pattern is masked out of the text once matched so that a later, coarser pattern
# (a month, a year) cannot match the inside of a finer one (a full date).

# Chinese numerals and markers that, written right after "2024年" or "2024年6月", make the date
# more precise than we can read ("2024年六月", "2024年初", "2024年6月中"). Seeing one means
# the text is not the coarse date it looks like, so those patterns refuse to match and the
# leftover check below turns it into an error instead of a silent, wrong end-of-period date.
_REFINERS = r"\d一二三四五六七八九十〇零两廿卅初中上下第A-Za-z"

# 2024年6月30日 / 2024年6月30号 / 2024年6月30 (the 日 is often dropped).
_YMD_CHINESE = re.compile(r"(?<!\d)(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})(?!\d)\s*[日号]?")

# 2024-06-30 / 2024/6/30 / 2024.6.30. The same separator twice: "2024-6/30" is not a date anyone
# writes on purpose. A time after it ("2024-06-30 00:00:00", a stringified Excel cell) is harmless
# leftover text.
_YMD_NUMERIC = re.compile(
    r"(?<!\d)(?P<year>\d{4})\s*(?P<sep>[-/.])\s*(?P<month>\d{1,2})"
    r"\s*(?P=sep)\s*(?P<day>\d{1,2})(?!\d)"
)

# 2024年上半年 -> June 30, 2024年下半年 -> December 31.
_HALF_YEAR = re.compile(r"(?<!\d)(?P<year>\d{4})\s*年\s*(?P<half>[上下])\s*半\s*年")

# 2024年第三季度 / 2024年三季度 / 2024年第3季度 -> the quarter's last day.
_QUARTER = re.compile(r"(?<!\d)(?P<year>\d{4})\s*年\s*(?:第\s*)?(?P<quarter>[一二三四1-4])\s*季度?")

# 2024年6月 with an optional 份 and 上旬/中旬/下旬; the usual trailing 底/末/前/底前 need no group
# (they all mean "by the end of that month") and are left as harmless leftover text.
_YEAR_MONTH_CHINESE = re.compile(
    r"(?<!\d)(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*份?"
    r"(?:\s*(?P<xun>[上中下])\s*旬)?"
    rf"(?!\s*[{_REFINERS}日号旬])"
)

# 2024.6 / 2024-06 / 2024/6 as a month: not followed by another separator and a day.
_YEAR_MONTH_NUMERIC = re.compile(r"(?<!\d)(?P<year>\d{4})\s*[-/.]\s*(?P<month>\d{1,2})(?!\d|\s*[-/.]\s*\d)")

# 2023年 / 2023年底 / 2023年年底 / 2023年末 / 2023年前 / 2023年内 -> December 31. A digit or a
# refiner right after 年 means a month, quarter or half we could not read: no match.
_YEAR = re.compile(rf"(?<!\d)(?P<year>\d{{4}})\s*年(?!\s*(?:[{_REFINERS}]|年[中初]))")

# 立行立改 (fix at once) and its common synonym 立即整改.
_IMMEDIATE = re.compile(r"立行立改|立即整改")

# 长期坚持 / 长期 / 长期坚持整改 / 持续推进: ongoing work without a final deadline.
_LONG_TERM = re.compile(r"长期|持续推进")

# What must not survive once the dates are masked out: a four-digit number (a year we could not
# place) or a number glued to a date unit or separator ("6月底前" without a year, "30日内",
# "2024年6" cut short). Free text with other numbers ("完成3个点位整治") is fine.
_LEFTOVER_DATE = re.compile(r"\d{4}|\d\s*[年月日号旬]|\d\s*[-/.]\s*\d")

_MASK = "\x00"


def parse_deadline(
    value: object,
    *,
    assigned_on: date | None = None,
    immediate_days: int | None = None,
) -> ParsedDeadline:
    """Read a 整改时限 cell: text, a date/datetime, or an Excel serial date number.

    Several dates in one text are phases: normally the latest is the deadline and the others are
    milestones; for 长期坚持 work the earliest is the deadline (the first phase must be done by
    then, the work then goes on). 立行立改 without a date is due `immediate_days` after
    `assigned_on` (default: settings.IMMEDIATE_DEADLINE_DAYS, else 30; today if not assigned).
    Raises DeadlineParseError with a Chinese message naming the text.
    """
    if value is None:
        raise DeadlineParseError(str(EMPTY_MESSAGE))
    if isinstance(value, datetime):
        return _parsed_date(value.date())
    if isinstance(value, date):
        return _parsed_date(value)
    if isinstance(value, (numbers.Real, decimal.Decimal)) and not isinstance(value, bool):
        return _parsed_date(_from_excel_serial(value))
    if not isinstance(value, str):
        raise DeadlineParseError(UNRECOGNISED_MESSAGE % {"text": value}, text=str(value))

    text = value.strip()
    if not text:
        raise DeadlineParseError(str(EMPTY_MESSAGE))
    folded = unicodedata.normalize("NFKC", text)

    dates, leftover = _find_dates(folded, text)
    if _LEFTOVER_DATE.search(leftover):
        raise DeadlineParseError(UNRECOGNISED_MESSAGE % {"text": text}, text=text)

    immediate = bool(_IMMEDIATE.search(folded))
    long_term = bool(_LONG_TERM.search(folded))
    phases = sorted(set(dates))

    if long_term:
        if phases:
            return ParsedDeadline(text, KIND_LONG_TERM, phases[0], tuple(phases[1:]))
        if immediate:
            due = _immediate_deadline(assigned_on, immediate_days)
            return ParsedDeadline(text, KIND_LONG_TERM, due, ())
        return ParsedDeadline(text, KIND_LONG_TERM, None, ())
    if immediate:
        # An explicit date beside 立行立改 ("立行立改，2024年6月底前全面完成") is more precise than
        # the configured default, so it wins; the kind still says "fix at once".
        if phases:
            return ParsedDeadline(text, KIND_IMMEDIATE, phases[-1], tuple(phases[:-1]))
        due = _immediate_deadline(assigned_on, immediate_days)
        return ParsedDeadline(text, KIND_IMMEDIATE, due, ())
    if phases:
        return ParsedDeadline(text, KIND_DATED, phases[-1], tuple(phases[:-1]))
    raise DeadlineParseError(UNRECOGNISED_MESSAGE % {"text": text}, text=text)


def _find_dates(folded: str, text: str) -> tuple[list[date], str]:
    """All dates in `folded`, and the text that remains once they are masked out."""
    found: list[date] = []

    def take(pattern: re.Pattern[str], to_date) -> None:
        nonlocal folded

        def replace(match: re.Match[str]) -> str:
            year = int(match["year"])
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise DeadlineParseError(
                    YEAR_RANGE_MESSAGE % {"text": text, "low": MIN_YEAR, "high": MAX_YEAR}, text=text
                )
            found.append(to_date(match, year))
            return _MASK * len(match[0])

        folded = pattern.sub(replace, folded)

    take(_YMD_CHINESE, lambda m, y: _checked_date(text, y, int(m["month"]), int(m["day"])))
    take(_YMD_NUMERIC, lambda m, y: _checked_date(text, y, int(m["month"]), int(m["day"])))
    take(_HALF_YEAR, lambda m, y: date(y, 6, 30) if m["half"] == "上" else date(y, 12, 31))
    take(_QUARTER, lambda m, y: _month_end(text, y, 3 * _quarter_number(m["quarter"])))
    take(_YEAR_MONTH_CHINESE, lambda m, y: _month_part_end(text, y, int(m["month"]), m["xun"]))
    take(_YEAR_MONTH_NUMERIC, lambda m, y: _month_end(text, y, int(m["month"])))
    take(_YEAR, lambda m, y: date(y, 12, 31))
    return found, folded


def _quarter_number(token: str) -> int:
    return "一二三四".index(token) + 1 if token in "一二三四" else int(token)


def _checked_date(text: str, year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise DeadlineParseError(
            INVALID_DATE_MESSAGE % {"text": text, "detail": gettext_lazy("没有%(month)s月") % {"month": month}},
            text=text,
        )
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise DeadlineParseError(
            INVALID_DATE_MESSAGE
            % {
                "text": text,
                "detail": gettext_lazy("%(year)s年%(month)s月没有%(day)s日")
                % {"year": year, "month": month, "day": day},
            },
            text=text,
        )
    return date(year, month, day)


def _month_end(text: str, year: int, month: int) -> date:
    if not 1 <= month <= 12:
        raise DeadlineParseError(
            INVALID_DATE_MESSAGE % {"text": text, "detail": gettext_lazy("没有%(month)s月") % {"month": month}},
            text=text,
        )
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_part_end(text: str, year: int, month: int, xun: str | None) -> date:
    # 上旬 ends on the 10th, 中旬 on the 20th, 下旬 (and a bare month) on the month's last day.
    end = _month_end(text, year, month)
    if xun == "上":
        return end.replace(day=10)
    if xun == "中":
        return end.replace(day=20)
    return end


def _parsed_date(d: date) -> ParsedDeadline:
    text = format_deadline(d)
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise DeadlineParseError(YEAR_RANGE_MESSAGE % {"text": text, "low": MIN_YEAR, "high": MAX_YEAR}, text=text)
    return ParsedDeadline(text, KIND_DATED, d, ())


def _from_excel_serial(value: numbers.Real | decimal.Decimal) -> date:
    """An Excel serial date (1900 system, as openpyxl reads it: 45473 is 2024-06-30)."""
    from openpyxl.utils.datetime import from_excel

    number = float(value)
    # Reject before converting: from_excel overflows on huge numbers, and a serial outside
    # 2000..2100 is a number typed into the deadline column, not a date.
    low = (date(MIN_YEAR, 1, 1) - date(1899, 12, 30)).days
    high = (date(MAX_YEAR, 12, 31) - date(1899, 12, 30)).days + 1
    if not math.isfinite(number) or not low <= number < high:
        raise DeadlineParseError(UNRECOGNISED_MESSAGE % {"text": value}, text=str(value))
    return from_excel(number).date()


def _immediate_deadline(assigned_on: date | None, immediate_days: int | None) -> date:
    if immediate_days is None:
        immediate_days = _configured_immediate_days()
    if immediate_days < 0:
        raise ValueError(f"immediate_days must not be negative, got {immediate_days}")
    if assigned_on is None:
        assigned_on = _today()
    elif isinstance(assigned_on, datetime):
        assigned_on = assigned_on.date()
    return assigned_on + timedelta(days=immediate_days)


def _configured_immediate_days() -> int:
    from django.conf import settings

    if not settings.configured:
        return DEFAULT_IMMEDIATE_DAYS
    return int(getattr(settings, "IMMEDIATE_DEADLINE_DAYS", DEFAULT_IMMEDIATE_DAYS))


def _today() -> date:
    # With USE_TZ the server clock may be UTC while the bureau works in Asia/Shanghai: before
    # 08:00 Beijing time date.today() would still say yesterday.
    from django.conf import settings

    if settings.configured and getattr(settings, "USE_TZ", False):
        from django.utils import timezone

        return timezone.localdate()
    return date.today()
