"""The complaint figures a leader reads, defined once (pages, API, daily report, dashboard, dispatch report).

A complaint that comes back in a later batch (重复件) is one complaint: every rate counts only the
original cases (repeat_of is empty), never a repeat again.

- 受理量 (received): original cases transferred by the inspection team.
- 受理率 = accepted / received, where accepted = received minus those turned down (不予受理).
- 办结率 = concluded / accepted, where concluded = 已办结 or 已销号.
- 群众满意率 = (满意 + 基本满意) / follow-up calls made (回访 recorded).
- 逾期 (overdue): not yet reported back (已交办 or 调查核实) and the batch's reply deadline is before today;
  due soon likewise with the deadline within DUE_SOON_DAYS.
Rates are percentages with one decimal; an empty denominator gives 0.0 (as figures.completion_rate).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from ..choices import CASE_CONCLUDED_STATUSES, CaseStatus, FollowUpResult
from ..figures import completion_rate, due_soon_days

AWAITING_REPLY = (CaseStatus.RECEIVED, CaseStatus.INVESTIGATING)


def original_q() -> Q:
    return Q(repeat_of__isnull=True)


def accepted_q() -> Q:
    return original_q() & ~Q(status=CaseStatus.DECLINED)


def concluded_q() -> Q:
    return accepted_q() & Q(status__in=CASE_CONCLUDED_STATUSES)


def overdue_q(day: date) -> Q:
    return Q(status__in=AWAITING_REPLY, batch__reply_deadline__lt=day)


def due_soon_q(day: date, days: int | None = None) -> Q:
    from datetime import timedelta

    days = due_soon_days() if days is None else days
    return Q(
        status__in=AWAITING_REPLY, batch__reply_deadline__gte=day, batch__reply_deadline__lte=day + timedelta(days)
    )


def rate(part: int, whole: int) -> float:
    return completion_rate(part, whole)


@dataclass(frozen=True)
class Rates:
    cases: int  # every case, repeats included
    repeats: int
    received: int
    accepted: int
    concluded: int
    followed_up: int
    satisfied: int
    overdue: int

    @property
    def acceptance_rate(self) -> float:
        return rate(self.accepted, self.received)

    @property
    def conclusion_rate(self) -> float:
        return rate(self.concluded, self.accepted)

    @property
    def satisfaction_rate(self) -> float:
        return rate(self.satisfied, self.followed_up)

    def sentence(self) -> str:
        """The bureau's sentence: 共接待群众投诉118起，受理率、办结率、群众满意率均为100% (分别为 a%、b%、c% when they differ)."""

        def pct(value: float) -> str:
            return f"{value:g}%"

        rates = [
            ("受理率", self.acceptance_rate),
            ("办结率", self.conclusion_rate),
            ("群众满意率", self.satisfaction_rate),
        ]
        head = f"共接待群众投诉{self.received}起"
        if len({value for _name, value in rates}) == 1:
            return f"{head}，受理率、办结率、群众满意率均为{pct(rates[0][1])}。"
        return f"{head}，受理率、办结率、群众满意率分别为" + "、".join(pct(value) for _name, value in rates) + "。"


def rates_of(cases, today: date) -> Rates:
    """The figures of a case queryset, in one aggregate query."""
    satisfied = (FollowUpResult.SATISFIED, FollowUpResult.BASICALLY)
    row = cases.order_by().aggregate(
        cases=Count("id"),
        repeats=Count("id", filter=~original_q()),
        received=Count("id", filter=original_q()),
        accepted=Count("id", filter=accepted_q()),
        concluded=Count("id", filter=concluded_q()),
        followed_up=Count("id", filter=original_q() & ~Q(follow_up_result="")),
        satisfied=Count("id", filter=original_q() & Q(follow_up_result__in=satisfied)),
        overdue=Count("id", filter=overdue_q(today)),
    )
    return Rates(**row)


HANDLING_FIELDS = (
    ("ordered_fix", "责令整改", "家"),
    ("penalty_cases", "立案处罚", "起"),
    ("fine_amount", "罚款", "万元"),
    ("criminal_cases", "立案侦查", "件"),
    ("detained", "行政拘留", "人"),
    ("interviewed", "约谈", "人"),
    ("held_accountable", "问责", "人"),
)


def handling_totals(cases) -> dict:
    totals = cases.order_by().aggregate(**{name: Sum(name) for name, _label, _unit in HANDLING_FIELDS})
    return {name: totals[name] or 0 for name in totals}


def handling_sentence(totals: dict) -> str:
    """责令整改 N家、立案处罚 N起、罚款 N万元、……: every handling figure, zeros included."""

    def number(value):
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return str(value)

    return "、".join(f"{label}{number(totals[name])}{unit}" for name, label, unit in HANDLING_FIELDS)
