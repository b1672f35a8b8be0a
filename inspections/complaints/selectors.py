"""Reads of complaint cases: the filtered list, one case with its timeline, and the figures of a round.

Everything starts from access.visible_cases / access_case. Other features read complaints through this
module: the dashboard's panel (dashboard_panel), the dispatch report's section (report_section) and the
reminder digest (cases_to_remind); the rates themselves are defined once in figures.py.
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from ..access import access_case, visible_cases
from ..choices import CASE_CONCLUDED_STATUSES, CaseStatus, FollowUpResult
from ..models import ComplaintCase
from .figures import HANDLING_FIELDS, Rates, due_soon_q, handling_sentence, handling_totals, overdue_q, rates_of
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


def case_rates(*, user, round_id=None, batch_number=None, unit=None, today: date | None = None) -> Rates:
    """受理率, 办结率, 满意率 (figures.Rates) of the cases `user` may see, optionally of one round, batch or unit subtree."""
    cases = visible_cases(user)
    if round_id:
        cases = cases.filter(round_id=round_id)
    if batch_number:
        cases = cases.filter(batch__number=batch_number)
    if unit is not None:
        cases = cases.filter(lead_unit__path__startswith=unit.path)
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


# --- The leader dashboard's panel and the dispatch report's section -------------------------------------

ACCEPTED_STATUSES = [s for s in CaseStatus.values if s != CaseStatus.DECLINED]
SATISFIED_RESULTS = [FollowUpResult.SATISFIED, FollowUpResult.BASICALLY]


def case_list_url(*params: tuple[str, object]) -> str:
    """The case list filtered like a figure: (name, value) pairs, a name repeated for a multiple choice."""
    url = reverse("inspections:complaint_list")
    return f"{url}?{urlencode(params)}" if params else url


def rate_links(*, base: tuple = ()) -> dict[str, str]:
    """For each figure of Rates, the case list holding exactly the cases it counts (repeats left out as figures.py
    does; `base` adds the dashboard's own filters)."""
    originals = (*base, ("repeat", "false"))
    return {
        "cases": case_list_url(*base),
        "repeats": case_list_url(*base, ("repeat", "true")),
        "received": case_list_url(*originals),
        "accepted": case_list_url(*originals, *(("status", s) for s in ACCEPTED_STATUSES)),
        "concluded": case_list_url(*originals, *(("status", s) for s in CASE_CONCLUDED_STATUSES)),
        "followed_up": case_list_url(*originals, *(("follow_up", r) for r in FollowUpResult.values)),
        "satisfied": case_list_url(*originals, *(("follow_up", r) for r in SATISFIED_RESULTS)),
        "overdue": case_list_url(*base, ("overdue", "true")),
    }


@dataclass
class ComplaintPanel:
    rates: Rates
    links: dict[str, str] = field(default_factory=dict)

    @property
    def sentence(self) -> str:
        return self.rates.sentence()


def dashboard_panel(*, user, inspection_round=None, unit=None, today: date | None = None) -> ComplaintPanel:
    """The dashboard's 群众投诉 panel: 受理率, 办结率, 满意率 of the cases the user may see (one aggregate query),
    each figure linking to the case list that holds its cases. The dashboard's round and unit filters apply."""
    rates = case_rates(user=user, round_id=inspection_round.pk if inspection_round else None, unit=unit, today=today)
    base = []
    if inspection_round is not None:
        base.append(("round", inspection_round.pk))
    if unit is not None:
        base.append(("lead_unit", unit.pk))
    return ComplaintPanel(rates=rates, links=rate_links(base=tuple(base)))


def _rates_dict(rates: Rates) -> dict:
    return {
        "cases": rates.cases,
        "repeats": rates.repeats,
        "received": rates.received,
        "accepted": rates.accepted,
        "concluded": rates.concluded,
        "followed_up": rates.followed_up,
        "satisfied": rates.satisfied,
        "overdue": rates.overdue,
        "acceptance_rate": rates.acceptance_rate,
        "conclusion_rate": rates.conclusion_rate,
        "satisfaction_rate": rates.satisfaction_rate,
    }


def report_section(*, start: date, end: date) -> dict | None:
    """The dispatch report's 群众投诉 section, for the whole jurisdiction (the report is the system's, as its task
    figures are): the rates of every case received by `end`, by round and in total, the cases received in the week
    start..end, the handling totals and the bureau's sentence. None when no case was ever received."""
    cases = ComplaintCase.objects.filter(batch__received_on__lte=end)
    totals = rates_of(cases, end)
    if not totals.cases:
        return None
    round_ids = cases.order_by().values_list("round_id", "round__name").distinct().order_by("round__name", "round_id")
    rounds = [
        {"name": name, **_rates_dict(rates_of(cases.filter(round_id=round_id), end))} for round_id, name in round_ids
    ]
    handling = handling_totals(cases)
    return {
        "totals": _rates_dict(totals),
        "rounds": rounds,
        "received_week": cases.filter(batch__received_on__gte=start).count(),
        "handling": [
            {"label": label, "unit": unit_word, "value": handling[name]} for name, label, unit_word in HANDLING_FIELDS
        ],
        "handling_sentence": handling_sentence(handling),
        "sentence": totals.sentence(),
    }
