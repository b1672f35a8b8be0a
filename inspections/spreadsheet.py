"""Cell writing shared by every workbook the product writes: text from data is always text.

A value typed by a citizen or a unit ("=HYPERLINK(...)", "+86 ...", "-", "@sum") must never become a
formula when a superior opens the file: strings are stored as string cells, never parsed, with
characters XML cannot hold removed and Excel's cell limit respected.
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

MAX_CELL_TEXT = 32767  # Excel's limit


def set_value(cell, value):
    """Put `value` into an openpyxl cell (normal or write-only); strings always as text."""
    if isinstance(value, str):
        cell._value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
        cell.data_type = "s"
    elif value is None:
        cell._value = None
        cell.data_type = "n"
    else:
        cell.value = value
    return cell
