"""How the ledger writes a task's status (完成情况), and how status text in imported files is read.

Export writes the status's own label (尚未启动, 整改中, 已申请销号, 已验收, 公示中, 已审签, 已复核, 已销号, 长期坚持), so an
exported ledger re-imports to the same statuses. Import reads these texts (after NFKC folding and
removing spaces, so "已完成(长期坚持)" and "已完成（长期坚持）" are the same):

| text in the file                                              | status       | why |
|---------------------------------------------------------------|--------------|-----|
| (empty), 尚未启动, 未启动, 未开始                              | not_started  | |
| 整改中, 正在整改, 序时推进, 推进中, 持续推进, 未完成, 进行中,   | in_progress  | work going on, not complete |
| 基本完成, 部分完成, 阶段性完成, 滞后, 未达序时进度              | in_progress  | "basically done" is not done: no acceptance yet |
| 已申请销号, 申请销号, 待验收, 待销号                            | submitted    | |
| 已完成, 已完成整改, 完成, 已整改, 已验收, 整改完成, 完成整改    | verified     | complete (counts as 已完成整改) but not signed off |
| 公示中 / 已审签 / 已复核                                        | in_notice / signed / rechecked | steps of a longer closure chain (the round's) |
| 已销号, 已完成销号, 已完成并销号, 销号                          | closed       | |
| 长期坚持, 已完成（长期坚持）, 已完成长期坚持, 完成并长期坚持    | long_term    | done and kept up |

Anything else is an error naming the row, so a typo never becomes a wrong status silently.
"""

import unicodedata

from ..choices import TaskStatus

STATUS_TEXT: dict[str, str] = {
    "": TaskStatus.NOT_STARTED,
    "尚未启动": TaskStatus.NOT_STARTED,
    "未启动": TaskStatus.NOT_STARTED,
    "未开始": TaskStatus.NOT_STARTED,
    "整改中": TaskStatus.IN_PROGRESS,
    "正在整改": TaskStatus.IN_PROGRESS,
    "序时推进": TaskStatus.IN_PROGRESS,
    "推进中": TaskStatus.IN_PROGRESS,
    "持续推进": TaskStatus.IN_PROGRESS,
    "未完成": TaskStatus.IN_PROGRESS,
    "进行中": TaskStatus.IN_PROGRESS,
    "基本完成": TaskStatus.IN_PROGRESS,
    "部分完成": TaskStatus.IN_PROGRESS,
    "阶段性完成": TaskStatus.IN_PROGRESS,
    "滞后": TaskStatus.IN_PROGRESS,
    "未达序时进度": TaskStatus.IN_PROGRESS,
    "已申请销号": TaskStatus.SUBMITTED,
    "申请销号": TaskStatus.SUBMITTED,
    "待验收": TaskStatus.SUBMITTED,
    "待销号": TaskStatus.SUBMITTED,
    "已完成": TaskStatus.VERIFIED,
    "已完成整改": TaskStatus.VERIFIED,
    "完成": TaskStatus.VERIFIED,
    "已整改": TaskStatus.VERIFIED,
    "已验收": TaskStatus.VERIFIED,
    "整改完成": TaskStatus.VERIFIED,
    "完成整改": TaskStatus.VERIFIED,
    "公示中": TaskStatus.IN_NOTICE,
    "已审签": TaskStatus.SIGNED,
    "已复核": TaskStatus.RECHECKED,
    "已销号": TaskStatus.CLOSED,
    "已完成销号": TaskStatus.CLOSED,
    "已完成并销号": TaskStatus.CLOSED,
    "销号": TaskStatus.CLOSED,
    "长期坚持": TaskStatus.LONG_TERM,
    "已完成(长期坚持)": TaskStatus.LONG_TERM,
    "已完成长期坚持": TaskStatus.LONG_TERM,
    "完成并长期坚持": TaskStatus.LONG_TERM,
    "已完成,长期坚持": TaskStatus.LONG_TERM,
}


def _fold(text) -> str:
    folded = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return "".join(folded.split()).rstrip("。.")


def status_from_text(text) -> str | None:
    """The TaskStatus for a 完成情况 cell, or None when the text is not in the table."""
    return STATUS_TEXT.get(_fold(text))


def status_label(status: str) -> str:
    return str(TaskStatus(status).label)
