"""Open an uploaded ledger safely and stream its rows as {column key: value}.

Refusals happen before the rows are read: wrong file type, too big, too many rows (from the
sheet's declared dimension), or not a spreadsheet inside. Merged cells (a finding's cells merged
down its tasks) are read from the sheet XML's <mergeCells> list and filled into every covered cell.

A small file may still be a bomb (a merged range over millions of cells, XML that inflates a
thousandfold): the package's declared sizes and ratios are checked before anything is parsed (and
zipfile never inflates a member past its declared size, so the check holds while reading), the
merged area while the merges are read, and the columns and cells while the rows are read.
"""

import os
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from .columns import COLUMN_BY_KEY, REQUIRED_KEYS, match_headers

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# Bounds against decompression and merge bombs (a real 50,000-row ledger stays far below them).
MAX_MEMBERS = 500
MAX_UNCOMPRESSED = 150 * 1024 * 1024  # all members together
MAX_MEMBER_UNCOMPRESSED = {"xl/sharedStrings.xml": 40 * 1024 * 1024, "xl/styles.xml": 8 * 1024 * 1024}
MAX_RATIO = 100  # uncompressed / compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_COLUMNS = 256  # columns read per row; a ledger has about twenty
MAX_MERGED_CELLS = 500_000  # total area of the merged ranges, within MAX_ROWS x MAX_COLUMNS
MAX_CELLS = 2_000_000  # non-empty cells read
HEADER_SCAN_ROWS = 30
# A header row names at least this many known columns (a title row or a 填报单位 line never does).
MIN_HEADER_MATCHES = 3


class LedgerRefused(Exception):
    """The file is refused as a whole before any row is read; the message is for the user (Chinese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_upload(name: str, size: int) -> None:
    ext = os.path.splitext(name or "")[1].lower()
    if ext == ".xls":
        raise LedgerRefused(
            _("不支持旧版 .xls 文件：请在 Excel 或 WPS 中“另存为” .xlsx 格式后再上传（请另存为 .xlsx 后再上传）。")
        )
    if ext != ".xlsx":
        raise LedgerRefused(_("只能导入 Excel 工作簿（.xlsx 文件）。"))
    if size > MAX_BYTES:
        raise LedgerRefused(
            _("文件过大（%(size).1f MB），单个台账文件不能超过 %(limit)d MB。")
            % {"size": size / 1024 / 1024, "limit": MAX_BYTES // 1024 // 1024}
        )
    if size == 0:
        raise LedgerRefused(_("文件是空的。"))


def too_many_rows_message(rows: int) -> str:
    return _("工作表行数过多（%(rows)s 行），一次最多导入 %(limit)s 行，请拆分后分批导入。") % {
        "rows": rows,
        "limit": MAX_ROWS,
    }


def _bomb_message() -> str:
    return _(
        "文件解压后的内容异常庞大（可能是恶意构造的文件），已拒绝导入。"
        "请用 Excel 或 WPS 打开后只保留台账工作表，重新保存为 .xlsx 再上传。"
    )


def check_package(archive: zipfile.ZipFile) -> None:
    """Refuse a package whose declared sizes say it inflates far beyond a real ledger (before parsing)."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise LedgerRefused(_bomb_message())
    total = 0
    for info in infos:
        total += info.file_size
        limit = MAX_MEMBER_UNCOMPRESSED.get(info.filename, MAX_UNCOMPRESSED)
        inflates = info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        if info.file_size > limit or inflates or total > MAX_UNCOMPRESSED:
            raise LedgerRefused(_bomb_message())


def open_sheet(path):
    """The first worksheet of the workbook at `path`, opened read-only; refuses bad files."""
    if not zipfile.is_zipfile(path):
        raise LedgerRefused(_("文件内容不是有效的 Excel 工作簿（文件已损坏，或只是改了扩展名）。"))
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise LedgerRefused(_("压缩包中没有 Excel 工作簿，请上传用 Excel 或 WPS 保存的 .xlsx 文件。"))
            check_package(archive)
        workbook = load_workbook(path, read_only=True, data_only=True)
    except LedgerRefused:
        raise
    except Exception as exc:  # openpyxl raises many types for malformed packages
        raise LedgerRefused(_("无法读取该 Excel 文件，请用 Excel 或 WPS 打开后重新保存为 .xlsx 再上传。")) from exc
    if not workbook.worksheets:
        raise LedgerRefused(_("工作簿中没有工作表。"))
    sheet = workbook.worksheets[0]
    try:
        declared = sheet.max_row
    except Exception:
        declared = None
    if declared and declared > MAX_ROWS:
        workbook.close()
        raise LedgerRefused(too_many_rows_message(declared))
    if not declared or declared <= 1:
        # Some generators write no or a wrong "A1" dimension; read the rows as they are (the row
        # limit is then enforced while reading).
        sheet.reset_dimensions()
    return workbook, sheet


def merged_area_message() -> str:
    return _(
        "工作表中的合并单元格范围过大（合计超过 %(limit)s 个单元格），已拒绝导入。"
        "请取消整行、整列或大片区域的合并后重新保存再上传。"
    ) % {"limit": MAX_MERGED_CELLS}


def merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of every merged range, read from the sheet's XML, clipped to
    the rows and columns that are read; refuses when their total area passes MAX_MERGED_CELLS."""
    ranges = []
    area = 0
    try:
        source = sheet._get_source()  # read-only sheets do not parse <mergeCells>; read it ourselves
    except Exception:
        return ranges
    with source:
        for _event, element in iterparse(source, events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell":
                ref = element.get("ref")
                if ref and ":" in ref:
                    min_col, min_row, max_col, max_row = range_boundaries(ref)
                    max_col, max_row = min(max_col, MAX_COLUMNS), min(max_row, MAX_ROWS)
                    if min_col > max_col or min_row > max_row:
                        continue  # wholly outside what is read
                    area += (max_col - min_col + 1) * (max_row - min_row + 1)
                    if area > MAX_MERGED_CELLS:
                        raise LedgerRefused(merged_area_message())
                    ranges.append((min_col, min_row, max_col, max_row))
                element.clear()
            elif tag in ("row", "c", "v", "is", "t", "f"):
                element.clear()
    return ranges


@dataclass
class SheetHeader:
    row: int  # 1-based row of the header
    columns: dict  # key -> 0-based column index
    labels: dict  # key -> the header text as written in the file
    title_rows: list = field(
        default_factory=list
    )  # the rows above the header (title, 填报单位 / 填报日期 lines), as read
    unknown: list = field(default_factory=list)  # header texts no key matched (named in the preview as not imported)
    preamble: list = field(default_factory=list)  # text of the non-empty rows above the header (title, 填报单位)


_CELL_TEXT = re.compile(r"\s+")


def _row_has_data(values) -> bool:
    return any(v is not None and (not isinstance(v, str) or v.strip()) for v in values)


def read_ledger(sheet):
    """(SheetHeader, iterator of (excel row number, {key: value})) for the ledger on `sheet`."""
    return read_table(
        sheet,
        match=match_headers,
        required_keys=REQUIRED_KEYS,
        header_of=lambda key: COLUMN_BY_KEY[key].header,
        not_found=_("没有找到表头行：前 30 行中应有一行包含“反馈问题”“牵头单位”“整改时限”等列名。"),
    )


def read_table(sheet, *, match, required_keys, header_of, not_found: str):
    """The reader of any table laid out like a ledger (title rows, a header, merged cells): the header
    is the first of the first 30 rows where `match` finds MIN_HEADER_MATCHES columns and a required one."""
    merges = merged_ranges(sheet)
    # (row, col) -> (anchor row, anchor col) for every covered cell below/right of an anchor.
    covered = {}
    anchors = set()
    for min_col, min_row, max_col, max_row in merges:
        anchors.add((min_row, min_col))
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                if (r, c) != (min_row, min_col):
                    covered[(r, c)] = (min_row, min_col)
    width = max((col for _row, col in covered), default=0)  # rows are padded to the widest merge
    try:
        declared_columns = sheet.max_column
    except Exception:
        declared_columns = None
    columns_read = min(declared_columns or MAX_COLUMNS, MAX_COLUMNS)  # a sheet "as wide as Excel" is cut
    rows = _counted(sheet.iter_rows(values_only=True, max_col=columns_read))
    header = None
    anchor_values = {}
    preamble = []
    row_number = 0
    above = []
    for row_number, values in enumerate(rows, start=1):
        values = _fill(values, row_number, covered, anchors, anchor_values, width)
        if row_number > HEADER_SCAN_ROWS:
            break
        columns = match(values)
        if len(columns) >= MIN_HEADER_MATCHES and any(key in columns for key in required_keys):
            labels = {key: _CELL_TEXT.sub("", str(values[index])) for key, index in columns.items()}
            matched = set(columns.values())
            unknown = [
                _CELL_TEXT.sub("", str(value))
                for index, value in enumerate(values)
                if index not in matched and value is not None and str(value).strip()
            ]
            header = SheetHeader(
                row=row_number, columns=columns, labels=labels, title_rows=above, unknown=unknown, preamble=preamble
            )
            break
        above.append(tuple(values))
        text = " ".join(str(v).strip() for v in dict.fromkeys(values) if v is not None and str(v).strip())
        if text:
            preamble.append(text)
    if header is None:
        raise LedgerRefused(not_found)
    missing = [header_of(key) for key in required_keys if key not in header.columns]
    if missing:
        raise LedgerRefused(_("表头缺少必需的列：%(columns)s。") % {"columns": "、".join(missing)})

    def data_rows():
        for number, values in enumerate(rows, start=row_number + 1):
            if number > MAX_ROWS:
                raise LedgerRefused(too_many_rows_message(number))
            values = _fill(values, number, covered, anchors, anchor_values, width)
            if not _row_has_data(values):
                continue
            yield (
                number,
                {key: (values[index] if index < len(values) else None) for key, index in header.columns.items()},
            )

    return header, data_rows()


def too_many_cells_message() -> str:
    return _("工作表中的数据过多（超过 %(limit)s 个单元格），请只保留台账所需的列，或拆分后分批导入。") % {
        "limit": MAX_CELLS
    }


def _counted(rows):
    """The rows, refusing the sheet once more than MAX_CELLS non-empty cells have been read."""
    cells = 0
    for values in rows:
        cells += sum(1 for v in values if v is not None)
        if cells > MAX_CELLS:
            raise LedgerRefused(too_many_cells_message())
        yield values


def _fill(values, row_number, covered, anchors, anchor_values, width):
    if not covered:
        return values
    values = list(values)
    if len(values) < width:
        values.extend([None] * (width - len(values)))
    for col, value in enumerate(values, start=1):
        if (row_number, col) in anchors:
            anchor_values[(row_number, col)] = value
        anchor = covered.get((row_number, col))
        if anchor is not None and value is None:
            values[col - 1] = anchor_values.get(anchor)
    return values
