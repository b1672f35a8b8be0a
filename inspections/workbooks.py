"""Cells of the workbooks the product writes (ledger export, dispatch report, anything later).

Text is always written as text: openpyxl turns any str starting with "=" into a live formula, and a
finding imported from an outside file may well start with "=HYPERLINK(...)" or "=cmd|...". Every
writer sets its cell values through `set_value`, the one place that decides a cell's type.
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

MAX_CELL_TEXT = 32767  # Excel's limit


def set_value(cell, value):
    """Put `value` in `cell`: text as a string cell (never a formula, cleaned of what XML cannot hold)."""
    if isinstance(value, str):
        # Bypass openpyxl's value setter, which would make "=..." a formula.
        cell._value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
        cell.data_type = "s"
    elif type(value) is int or type(value) is float:  # what openpyxl's setter does for them, without its checks
        cell._value = value
        cell.data_type = "n"
    elif value is None:
        cell._value = None
        cell.data_type = "n"
    else:
        cell.value = value
    return cell
