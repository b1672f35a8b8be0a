"""Template filters that turn data-dependent sizes into classes (style= attributes are blocked by the CSP)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from inspections.templatetags.inspections_tags import MAX_UNIT_INDENT, bar_width_class, unit_depth_class

APP_CSS = (Path(__file__).resolve().parents[2] / "static" / "app" / "app.css").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, "bar-w-0"),
        (37, "bar-w-37"),
        (100, "bar-w-100"),
        (66.7, "bar-w-67"),
        (Decimal("12.4"), "bar-w-12"),
        ("45", "bar-w-45"),
        (-5, "bar-w-0"),
        (130, "bar-w-100"),
        (None, "bar-w-0"),
        ("", "bar-w-0"),
        ("abc", "bar-w-0"),
    ],
)
def test_bar_width_class_rounds_and_clamps(value, expected):
    assert bar_width_class(value) == expected


@pytest.mark.parametrize(
    "depth, expected",
    [
        (0, "unit-depth-0"),
        (2, "unit-depth-2"),
        (MAX_UNIT_INDENT + 3, f"unit-depth-{MAX_UNIT_INDENT}"),
        (-1, "unit-depth-0"),
        (None, "unit-depth-0"),
    ],
)
def test_unit_depth_class_clamps(depth, expected):
    assert unit_depth_class(depth) == expected


def test_every_class_the_filters_can_return_is_defined_in_app_css():
    widths = {int(n) for n in re.findall(r"\.bar-w-(\d+)\{width:\1%\}", APP_CSS)}
    depths = {int(n) for n in re.findall(r"\.unit-depth-(\d+)\{--depth:\1\}", APP_CSS)}
    assert widths == set(range(101))
    assert depths == set(range(MAX_UNIT_INDENT + 1))
