"""The ledger's columns: the header superiors expect, and the synonyms real files use for each.

Header cells are compared after `normalise_header`: NFKC folding (full-width letters, digits and
punctuation such as "（万元）" become ASCII), all whitespace and line breaks removed, and the
bracketed unit suffix dropped, so "整改\n时限", "投入资金（万元）" and "投入 资金" all match.
"""

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # what the export writes
    width: float  # export column width (characters; a CJK character takes about 2)
    synonyms: tuple[str, ...] = ()  # other headers read as this column on import
    finding_level: bool = False  # merged down the finding's tasks in the export


# The export's column order. The widths add up to what fits across an A3 landscape page at the export's
# print scale (export.PRINT_SCALE) with the text at 9 pt or more: see export.py.
# 任务编号 ("3-2") and 整改期限（日期） (a real Excel date) are added to
# the header in docs/domain.md so an exported ledger can be re-imported without guessing.
COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", 4),
    Column("round", "督察轮次", 8, ("轮次", "督察批次", "督察名称"), finding_level=True),
    Column("finding_number", "问题编号", 5, ("问题序号", "反馈问题编号", "编号"), finding_level=True),
    Column(
        "summary",
        "反馈问题",
        19,
        ("问题简述", "督察反馈问题", "反馈问题简述", "问题描述", "存在问题", "主要问题", "反馈意见"),
        finding_level=True,
    ),
    Column("category", "问题类别", 6, ("问题类型", "类别"), finding_level=True),
    Column("region", "所属区域", 5, ("所属地区", "区域", "地区", "所在区域"), finding_level=True),
    Column("task_code", "任务编号", 5, ("措施编号", "任务序号")),
    Column("goal", "整改目标", 13, ("目标",)),
    Column("measures", "整改措施", 19, ("措施", "具体措施", "整改任务")),
    Column("lead_unit", "牵头单位", 9, ("责任单位", "牵头责任单位", "主要责任单位", "牵头部门")),
    Column("cooperating", "配合单位", 8, ("协办单位", "配合部门", "参与单位")),
    # Per task: a finding's tasks may name different leaders (kept as typed, see RectificationTask.leader_text).
    Column("leader", "责任领导", 7, ("包抓领导", "分管领导", "牵头领导", "包案领导")),
    Column("person", "责任人", 5, ("具体责任人", "联系人")),
    Column("deadline", "整改时限", 8, ("整改期限", "完成时限", "完成时间", "整改时间")),
    Column("deadline_date", "整改期限（日期）", 9, ("期限日期",)),
    # 延期 (an approved extension): the deadline before it; 整改时限 is then the adjusted one (调整后期限).
    # Read back on import as a known column and left alone: extensions go through their approval only.
    Column("original_deadline", "原定期限（延期前）", 7, ("原定期限", "原定整改时限", "原整改时限")),
    Column("progress", "整改进展情况", 20, ("进展情况", "工作进展", "整改落实情况")),
    Column("status", "完成情况", 6, ("整改状态", "整改情况", "是否完成", "完成状态")),
    Column("investment", "投入资金（万元）", 8, ("投入资金", "资金投入", "投资")),
    Column("signoff", "销号情况", 7, ("是否销号", "销号")),
    Column("remark", "备注", 6, ("备注说明", "说明")),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
FINDING_KEYS = frozenset(c.key for c in COLUMNS if c.finding_level)

# Needed to build a task; a file without them is refused with the missing headers named.
REQUIRED_KEYS = ("summary", "lead_unit", "deadline")

# "整改进展" alone is the status column in some files (docs/domain.md) and the progress column in others:
# it is the status only when the file has no other status column.
AMBIGUOUS = {"整改进展": ("status", "progress")}

_BRACKETED = re.compile(r"\((?:万元|元|%|单位[:：]?万元)\)$")
_SPACES = re.compile(r"\s+")


def normalise_header(value) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = _SPACES.sub("", text)
    return _BRACKETED.sub("", text)


def _lookup() -> dict[str, str]:
    table = {}
    for column in COLUMNS:
        for name in (column.header, *column.synonyms):
            table[normalise_header(name)] = column.key
    return table


HEADER_LOOKUP = _lookup()


def match_headers(cells) -> dict[str, int]:
    """{column key: 0-based index} for a header row; the first cell wins when a column repeats."""
    found: dict[str, int] = {}
    ambiguous: list[tuple[str, int]] = []
    for index, cell in enumerate(cells):
        name = normalise_header(cell)
        if not name:
            continue
        if name in AMBIGUOUS:
            ambiguous.append((name, index))
            continue
        key = HEADER_LOOKUP.get(name)
        if key and key not in found:
            found[key] = index
    for name, index in ambiguous:
        for key in AMBIGUOUS[name]:
            if key not in found:
                found[key] = index
                break
    return found
