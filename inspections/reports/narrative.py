"""The paragraph a bureau pastes into its work summary, generated from the figures.

Phrasing follows real bulletins: a finished round is "反馈的N个问题已全部完成整改" (counted in
findings); a central round still in progress "整改任务共N项，已完成M项"; a provincial or
municipal one "反馈的N个整改任务，已完成整改M个".
"""

from ..choices import RoundKind
from .figures import DispatchFigures, RoundRow

LOCAL_KINDS = (RoundKind.PROVINCIAL, RoundKind.PROVINCIAL_LOOKBACK, RoundKind.MUNICIPAL)


def round_sentence(row: RoundRow) -> str:
    c = row.counts
    if row.is_complete:
        return f"{row.name}反馈的{row.findings}个问题已全部完成整改"
    if row.kind in LOCAL_KINDS:
        return f"{row.name}反馈的{c.total}个整改任务，已完成整改{c.complete}个"
    return f"{row.name}整改任务共{c.total}项，已完成{c.complete}项"


def dispatch_narrative(figures: DispatchFigures) -> str:
    rounds = [r for r in figures.rounds if r.counts.total]
    if not rounds:
        return f"截至{figures.day:%Y年%m月%d日}，暂无整改任务。"
    text = "；".join(round_sentence(r) for r in rounds) + "。"
    t = figures.totals
    text += (
        f"截至{figures.day:%Y年%m月%d日}，全部{t.total}项整改任务已完成{t.complete}项，完成率{t.rate:.1f}%，"
        f"本周新增完成{t.complete_week}项；逾期未完成{t.overdue}项，14日内到期{len(figures.due_soon)}项。"
    )
    if t.in_notice:
        text += f"已验收任务中{t.in_notice}项正在公示。"
    look = figures.lookback or {}
    if look.get("sampled"):
        text += (
            f"回头看抽查已销号任务{look['sampled']}项，已复查{look['checked']}项，"
            f"巩固{look['holds']}项、反弹{look['relapse']}项、虚假整改{look['fake']}项。"
        )
    ranked = [u for u in figures.units if u.counts.total]
    if len(ranked) >= 2:
        best, worst = ranked[0], ranked[-1]
        text += (
            f"完成率最高的是{best.name}（{best.counts.rate:.1f}%），最低的是{worst.name}（{worst.counts.rate:.1f}%）。"
        )
    return text
