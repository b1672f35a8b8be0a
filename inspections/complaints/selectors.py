"""Reads of complaint cases: the filtered list, one case with its timeline, and the figures of a round.

Everything starts from access.visible_cases / access_case. Other features (the dashboard, the dispatch
report, the reminder digest) read complaints through complaints.services, which re-exports what they need.
"""

from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from ..access import access_case, visible_cases
from ..choices import CASE_CONCLUDED_STATUSES
from ..models import ComplaintCase
from .figures import Rates, due_soon_q, handling_totals, overdue_q, rates_of
from .filtersets import ComplaintCaseFilterSet


def case_queryset(*, user):
    return (
        visible_cases(user)
        .select_related("batch", "round", "lead_unit", "repeat_of__batch")
        .order_by("-batch__received_on", "batch__number", "seq", "pk")
    )


def case_filterset(*, user, filters, request=None) -> ComplaintCaseFilterSet:
    return ComplaintCaseFilterSet(filters or None, queryset=case_queryset(user=user), user=user, request=request)


def case_detail(*, user, case_id) -> ComplaintCase:
    queryset = ComplaintCase.objects.select_related(
        "batch__round", "lead_unit", "repeat_of__batch", "finding", "closed_by", "follow_up_by", "signed_off_by"
    )
    return access_case(user, case_id, queryset=queryset)


def case_timeline(case: ComplaintCase):
    return case.events.select_related("actor").order_by("at", "pk")


def case_rates(*, user, round_id=None, batch_number=None, today: date | None = None) -> Rates:
    cases = visible_cases(user)
    if round_id:
        cases = cases.filter(round_id=round_id)
    if batch_number:
        cases = cases.filter(batch__number=batch_number)
    return rates_of(cases, today or timezone.localdate())


def daily_report(*, user, round_id, day: date | None = None) -> dict:
    """The day's report to the inspection team: received, concluded, overdue, by area and type, handling totals."""
    day = day or timezone.localdate()
    cases = visible_cases(user).filter(round_id=round_id, batch__received_on__lte=day)
    today_cases = cases.filter(batch__received_on=day)
    rates = rates_of(cases, day)
    by_area = list(
        cases.order_by()
        .values("region")
        .annotate(
            total=Count("id"),
            concluded=Count("id", filter=Q(status__in=CASE_CONCLUDED_STATUSES)),
            overdue=Count("id", filter=overdue_q(day)),
        )
        .order_by("-total", "region")
    )
    by_type = list(
        cases.order_by().values("pollution_type").annotate(total=Count("id")).order_by("-total", "pollution_type")
    )
    return {
        "day": day,
        "received_today": today_cases.count(),
        "rates": rates,
        "due_soon": cases.filter(due_soon_q(day)).count(),
        "by_area": by_area,
        "by_type": by_type,
        "handling": handling_totals(cases),
        "handling_today": handling_totals(cases.filter(reported_at__date=day)),
    }


REMINDER_FIELDS = (
    "pk",
    "code",
    "summary",
    "lead_unit_id",
    "batch__number",
    "batch__reply_deadline",
    "round__name",
)


def cases_to_remind(day: date) -> dict[str, list[dict]]:
    """The reminder sweep's complaint cases of `day` (every unit's; the sweep is the system's, not a user's):
    assigned cases not yet reported back whose batch's reply deadline is within DUE_SOON_DAYS ("due") or past
    ("overdue"), by the one definition of figures.py. Two queries whatever the number of cases."""
    assigned = ComplaintCase.objects.filter(lead_unit__isnull=False).order_by(
        "batch__reply_deadline", "batch__number", "seq"
    )
    return {
        "due": list(assigned.filter(due_soon_q(day)).values(*REMINDER_FIELDS)),
        "overdue": list(assigned.filter(overdue_q(day)).values(*REMINDER_FIELDS)),
    }
