"""The columns of an inspection team's batch file (交办件清单) and of the disclosure list (公开一览表).

Header cells are matched after the ledger's normalise_header (NFKC, no spaces or line breaks, no
bracketed unit), against each column's header and the synonyms real files use.
"""

from dataclasses import dataclass

from ..ledger.services import normalise_header


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    synonyms: tuple[str, ...] = ()


IMPORT_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ("编号序号",)),
    Column("code", "受理编号", ("信访编号", "举报编号", "受理号", "交办编号", "案件编号", "信访件编号")),
    Column(
        "summary",
        "交办问题基本情况",
        (
            "交办问题",
            "问题基本情况",
            "举报内容",
            "信访内容",
            "投诉内容",
            "反映问题",
            "群众反映问题",
            "群众反映的主要问题",
            "举报问题",
            "信访举报问题",
        ),
    ),
    Column("region", "行政区域", ("所属区域", "所在地", "区域", "地区", "所属地区", "区县", "所在区域", "属地")),
    Column("pollution", "污染类型", ("污染类别", "类型", "问题类型", "举报类型")),
    Column("channel", "来源", ("举报方式", "受理方式", "信访方式", "渠道", "来电来信")),
    Column("is_key", "重点件", ("是否重点件", "重点", "重点信访件")),
    Column("round", "督察轮次", ("轮次", "督察名称")),
    Column("batch", "交办批次", ("批次", "批次号", "交办批")),
    Column("received_on", "交办日期", ("交办时间",)),
    Column("deadline", "办理时限", ("反馈时限", "办结时限", "反馈期限", "报送时限")),
    Column("complainant", "投诉人", ("举报人", "信访人", "反映人")),
    Column("contact", "联系方式", ("联系电话", "举报人电话", "投诉人电话", "电话")),
)
IMPORT_BY_KEY = {c.key: c for c in IMPORT_COLUMNS}
REQUIRED_KEYS = ("code", "summary")

_LOOKUP = {normalise_header(name): c.key for c in IMPORT_COLUMNS for name in (c.header, *c.synonyms)}


def match_headers(cells) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _LOOKUP.get(normalise_header(cell))
        if key and key not in found:
            found[key] = index
    return found


# 公开一览表: the columns the inspectorate publishes, in its order (domain.md), with widths.
DISCLOSURE_COLUMNS = (
    ("序号", 6),
    ("受理编号", 14),
    ("交办问题基本情况", 44),
    ("行政区域", 12),
    ("污染类型", 10),
    ("调查核实情况", 44),
    ("是否属实", 10),
    ("处理和整改情况", 44),
    ("责任人被处理情况", 24),
)
