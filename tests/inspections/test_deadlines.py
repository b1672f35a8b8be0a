"""Reading the 整改时限 column: every form real ledgers use, and every way it can be wrong."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine

from inspections.deadlines import (
    KIND_DATED,
    KIND_IMMEDIATE,
    KIND_LONG_TERM,
    DeadlineParseError,
    ParsedDeadline,
    format_deadline,
    parse_deadline,
)

# --- dated forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024-06-30",
        "2024-6-30",
        "2024/6/30",
        "2024/06/30",
        "2024年6月30日",
        "2024年06月30日",
        "2024年6月30号",
        "2024年6月30",
        "2024.6.30",
        "2024．6．30",  # full-width full stops
        "２０２４年６月３０日",  # full-width digits
        "２０２４－０６－３０",
        "2024 年 6 月 30 日",
        "2024-06-30 00:00:00",  # a datetime cell that was stringified
        "2024年6月\n30日",  # a line break inside the cell
    ],
)
def test_full_date(text):
    parsed = parse_deadline(text)
    assert parsed == ParsedDeadline(text=text.strip(), kind=KIND_DATED, deadline=date(2024, 6, 30), milestones=())


@pytest.mark.parametrize("suffix", ["前", "之前", "以前", "底前", " 前", "前完成"])
def test_full_date_with_before_suffix(suffix):
    assert parse_deadline(f"2024年6月30日{suffix}").deadline == date(2024, 6, 30)
    assert parse_deadline(f"2024-06-30{suffix}").deadline == date(2024, 6, 30)


def test_text_is_kept_verbatim_but_stripped():
    parsed = parse_deadline("  ２０２４年６月底前\u3000")
    assert parsed.text == "２０２４年６月底前"
    assert parsed.deadline == date(2024, 6, 30)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024年6月底前", date(2024, 6, 30)),
        ("2024年6月底", date(2024, 6, 30)),
        ("2024年6月前", date(2024, 6, 30)),
        ("2024年6月", date(2024, 6, 30)),
        ("2024年6月末", date(2024, 6, 30)),
        ("2024年6月份前", date(2024, 6, 30)),
        ("2024年2月底前", date(2024, 2, 29)),  # leap year
        ("2023年2月底前", date(2023, 2, 28)),
        ("2024年12月底前", date(2024, 12, 31)),
        ("2024.6", date(2024, 6, 30)),
        ("2024-06底前", date(2024, 6, 30)),
        ("2024/11", date(2024, 11, 30)),
        ("2024年6月上旬", date(2024, 6, 10)),
        ("2024年6月中旬前", date(2024, 6, 20)),
        ("2024年6月下旬", date(2024, 6, 30)),
    ],
)
def test_end_of_month(text, expected):
    parsed = parse_deadline(text)
    assert (parsed.kind, parsed.deadline, parsed.milestones) == (KIND_DATED, expected, ())


@pytest.mark.parametrize(
    "text",
    [
        "2023年底前",
        "2023年年底前",
        "2023年底",
        "2023年年底",
        "2023年末",
        "2023年前",
        "2023年内",
        "2023年",
        "2023年全面完成",
    ],
)
def test_end_of_year(text):
    parsed = parse_deadline(text)
    assert (parsed.kind, parsed.deadline, parsed.milestones) == (KIND_DATED, date(2023, 12, 31), ())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024年上半年", date(2024, 6, 30)),
        ("2024年上半年前", date(2024, 6, 30)),
        ("2024年下半年", date(2024, 12, 31)),
        ("2024年第一季度", date(2024, 3, 31)),
        ("2024年二季度", date(2024, 6, 30)),
        ("2024年第三季度", date(2024, 9, 30)),
        ("2024年三季度", date(2024, 9, 30)),
        ("2024年第3季度末", date(2024, 9, 30)),
        ("2024年四季度", date(2024, 12, 31)),
    ],
)
def test_half_year_and_quarter(text, expected):
    assert parse_deadline(text).deadline == expected


# --- Excel cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        date(2024, 6, 30),
        datetime(2024, 6, 30),
        datetime(2024, 6, 30, 17, 30),
        45473,  # 1900 date system, as openpyxl reads it
        45473.0,
        45473.75,  # 18:00 that day
        Decimal("45473"),
    ],
)
def test_excel_cell_values(value):
    assert parse_deadline(value) == ParsedDeadline(
        text="2024年6月30日", kind=KIND_DATED, deadline=date(2024, 6, 30), milestones=()
    )


def test_excel_serial_range_edges():
    assert parse_deadline(36526).deadline == date(2000, 1, 1)
    assert parse_deadline(73415).deadline == date(2100, 12, 31)


@pytest.mark.parametrize("value", [36525, 73416, 0, -1, 1e20, float("nan"), float("inf")])
def test_excel_serial_out_of_range_is_an_error(value):
    with pytest.raises(DeadlineParseError, match="无法识别的整改时限"):
        parse_deadline(value)


@pytest.mark.parametrize("value", [date(1999, 12, 31), datetime(2101, 1, 1)])
def test_date_cell_out_of_range_is_an_error(value):
    with pytest.raises(DeadlineParseError, match="年份超出范围"):
        parse_deadline(value)


def test_boolean_cell_is_not_a_serial():
    with pytest.raises(DeadlineParseError):
        parse_deadline(True)


# --- phased --------------------------------------------------------------------------------------


def test_phased_latest_is_deadline_earlier_are_milestones():
    text = "2023年底前完成阶段性整改，2025年底前全面完成"
    assert parse_deadline(text) == ParsedDeadline(
        text=text, kind=KIND_DATED, deadline=date(2025, 12, 31), milestones=(date(2023, 12, 31),)
    )


def test_phased_three_dates_in_any_order_and_duplicates():
    text = "2025年底前全面完成；2024年6月30日前完成主体工程，2023年9月底前完成方案编制，2024年6月底前验收"
    parsed = parse_deadline(text)
    assert parsed.deadline == date(2025, 12, 31)
    assert parsed.milestones == (date(2023, 9, 30), date(2024, 6, 30))


def test_phased_full_width_punctuation_and_mixed_forms():
    parsed = parse_deadline("２０２４．３．３１前完成清运；2024年上半年完成生态修复")
    assert parsed.deadline == date(2024, 6, 30)
    assert parsed.milestones == (date(2024, 3, 31),)


def test_same_date_twice_is_no_milestone():
    parsed = parse_deadline("2024年6月底前，即2024年6月30日前")
    assert (parsed.deadline, parsed.milestones) == (date(2024, 6, 30), ())


# --- 立行立改 ------------------------------------------------------------------------------------


def test_immediate_counts_from_assignment():
    parsed = parse_deadline("立行立改", assigned_on=date(2024, 6, 1), immediate_days=15)
    assert parsed == ParsedDeadline(text="立行立改", kind=KIND_IMMEDIATE, deadline=date(2024, 6, 16), milestones=())


def test_immediate_defaults_to_30_days_without_configured_settings(monkeypatch):
    from django.conf import settings

    # Outside Django (no settings configured) the documented default applies.
    monkeypatch.setattr(type(settings), "configured", property(lambda self: False))
    assert parse_deadline("立行立改", assigned_on=date(2024, 6, 1)).deadline == date(2024, 7, 1)


def test_immediate_uses_configured_setting(monkeypatch):
    from django.conf import settings

    if not settings.configured:
        pytest.skip("needs configured Django settings")
    monkeypatch.setattr(settings, "IMMEDIATE_DEADLINE_DAYS", 10, raising=False)
    assert parse_deadline("立行立改", assigned_on=date(2024, 6, 1)).deadline == date(2024, 6, 11)


@time_machine.travel(datetime(2024, 3, 10, 9, 0), tick=False)
def test_immediate_without_assignment_counts_from_today():
    parsed = parse_deadline("立行立改", immediate_days=30)
    assert parsed.deadline == date(2024, 4, 9)


def test_immediate_accepts_a_datetime_assignment():
    parsed = parse_deadline("立行立改", assigned_on=datetime(2024, 6, 1, 15, 0), immediate_days=5)
    assert parsed.deadline == date(2024, 6, 6)


@pytest.mark.parametrize("text", ["立行立改", "立即整改", "立行立改，举一反三", " 立行立改 "])
def test_immediate_variants(text):
    parsed = parse_deadline(text, assigned_on=date(2024, 1, 1), immediate_days=7)
    assert (parsed.kind, parsed.deadline) == (KIND_IMMEDIATE, date(2024, 1, 8))


def test_immediate_with_an_explicit_date_keeps_the_date():
    text = "立行立改，2024年6月底前全面完成"
    parsed = parse_deadline(text, assigned_on=date(2024, 1, 1), immediate_days=7)
    assert (parsed.kind, parsed.deadline, parsed.milestones) == (
        KIND_IMMEDIATE,
        date(2024, 6, 30),
        (),
    )


def test_negative_immediate_days_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_deadline("立行立改", assigned_on=date(2024, 1, 1), immediate_days=-1)


# --- 长期坚持 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["长期坚持", "长期", "持续推进", "长期坚持整改", "长期坚持，持续推进"])
def test_long_term_without_dates_has_no_deadline(text):
    assert parse_deadline(text) == ParsedDeadline(text=text, kind=KIND_LONG_TERM, deadline=None, milestones=())


def test_long_term_with_a_date_is_due_at_the_first_phase():
    parsed = parse_deadline("2024年底前完成，长期坚持")
    assert (parsed.kind, parsed.deadline, parsed.milestones) == (
        KIND_LONG_TERM,
        date(2024, 12, 31),
        (),
    )


def test_long_term_with_several_dates_takes_the_earliest():
    parsed = parse_deadline("2025年底前全面完成，2024年6月底前完成阶段性整改，并长期坚持")
    assert parsed.kind == KIND_LONG_TERM
    assert parsed.deadline == date(2024, 6, 30)
    assert parsed.milestones == (date(2025, 12, 31),)


def test_immediate_and_long_term():
    parsed = parse_deadline("立行立改，长期坚持", assigned_on=date(2024, 5, 1), immediate_days=30)
    assert parsed == ParsedDeadline(
        text="立行立改，长期坚持", kind=KIND_LONG_TERM, deadline=date(2024, 5, 31), milestones=()
    )


@time_machine.travel(datetime(2024, 3, 10, 9, 0), tick=False)
def test_immediate_and_long_term_without_assignment_counts_from_today():
    assert parse_deadline("立行立改、长期坚持", immediate_days=30).deadline == date(2024, 4, 9)


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", "\n"])
def test_empty_is_an_error(value):
    with pytest.raises(DeadlineParseError) as excinfo:
        parse_deadline(value)
    assert str(excinfo.value) == "整改时限不能为空"


@pytest.mark.parametrize(
    "text",
    [
        "尽快",
        "按计划",
        "已完成",
        "2024",  # a bare year is ambiguous: a typo, a truncated date, an unconverted serial?
        "45473",  # an Excel serial that arrived as text
        "6月底前",  # no year
        "2024年6",  # cut short
        "2024年初",
        "2024年年中",
        "2024年6月初",
        "2024年6月中",
        "2024年六月底前",  # Chinese-numeral months are not read, rather than read as year end
        "二〇二四年底前",
        "2024年Q3",
        "2024-2025年",
        "2024年6月至12月",
        "30日内",
        "2024年6月底前完成，整改后30日内验收",
    ],
)
def test_unrecognised_text_is_an_error_naming_the_text(text):
    with pytest.raises(DeadlineParseError) as excinfo:
        parse_deadline(text)
    assert str(excinfo.value) == (
        f"无法识别的整改时限：“{text}”。请填写日期，如“2024年6月30日”“2024年6月底前”“立行立改”或“长期坚持”。"
    )
    assert excinfo.value.text == text


@pytest.mark.parametrize(
    "text, detail",
    [
        ("2024年2月30日", "2024年2月没有30日"),
        ("2023年2月29日前", "2023年2月没有29日"),
        ("2024-04-31", "2024年4月没有31日"),
        ("2024年6月0日", "2024年6月没有0日"),
        ("2024年13月30日", "没有13月"),
        ("2024年13月底前", "没有13月"),
        ("2024年0月", "没有0月"),
        ("2024.13", "没有13月"),
        ("2023年底前完成阶段性整改，2025年2月30日前全面完成", "2025年2月没有30日"),
    ],
)
def test_invalid_date_is_an_error_naming_the_text(text, detail):
    with pytest.raises(DeadlineParseError) as excinfo:
        parse_deadline(text)
    assert str(excinfo.value) == f"整改时限中的日期不存在：“{text}”（{detail}）。"


@pytest.mark.parametrize(
    "text", ["1999年底前", "2101年6月30日", "1900-01-01", "2204年", "2024年底前，2204年底前全面完成"]
)
def test_year_out_of_range_is_an_error_naming_the_text(text):
    with pytest.raises(DeadlineParseError) as excinfo:
        parse_deadline(text)
    assert str(excinfo.value) == f"整改时限中的年份超出范围：“{text}”（年份应在2000年至2100年之间）。"


def test_parse_error_is_a_value_error():
    assert issubclass(DeadlineParseError, ValueError)


def test_unsupported_type_is_an_error():
    with pytest.raises(DeadlineParseError):
        parse_deadline(["2024年6月30日"])


# --- formatting ----------------------------------------------------------------------------------


def test_format_deadline():
    assert format_deadline(date(2024, 6, 30)) == "2024年6月30日"
    assert format_deadline(date(2024, 1, 5)) == "2024年1月5日"


def test_format_round_trips():
    for d in [date(2024, 6, 30), date(2000, 1, 1), date(2100, 12, 31)]:
        assert parse_deadline(format_deadline(d)).deadline == d
