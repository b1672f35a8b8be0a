"""One FilterSet per model, shared by the HTML list, the API and the export (a screen exports what it shows)."""

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from accounts.selectors import units_visible_to

from .access import led_within, visible_findings, visible_rounds
from .asof import completed_between, tasks_as_of
from .choices import (
    Category,
    FindingSource,
    LookbackVerdict,
    RoundKind,
    Schedule,
    SupervisionKind,
    TaskStatus,
    Warning,
)
from .figures import complete_q, due_soon_q, overdue_q, status_field
from .limits import validate_day
from .models import Finding, InspectionRound, LookbackCheck, RectificationTask, SupervisionAction
from .search import search_q


def _filter_user(user, request):
    return user or getattr(request, "user", None)


class ScopedFilterSet(filters.FilterSet):
    """Choices come from the access chokepoint (`scope_choices`), and every date filter is bounded.

    Without a user nothing is offered: a round, finding or unit the user may not see is "not a valid
    choice", exactly like one that does not exist (no existence oracle through a filter).
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.scope_choices(_filter_user(user, request))
        for filter_ in self.filters.values():
            field = filter_.field
            for date_field in (field, *getattr(field, "fields", ())):
                if isinstance(date_field, forms.DateField) and validate_day not in date_field.validators:
                    date_field.validators.append(validate_day)

    def scope_choices(self, user) -> None:
        pass


# 回头看 (re-checks of closed tasks): sampled, by verdict, still to check, and the work a relapse reopened.
LOOKBACK_FILTER_CHOICES = (
    ("sampled", _("被抽查")),
    ("pending", _("待复查")),
    (LookbackVerdict.HOLDS, LookbackVerdict.HOLDS.label),
    (LookbackVerdict.RELAPSE, LookbackVerdict.RELAPSE.label),
    (LookbackVerdict.FAKE, LookbackVerdict.FAKE.label),
    ("reopened", _("回头看重新整改的任务")),
)


class TaskFilterSet(ScopedFilterSet):
    """Filters of the task list. The queryset must come from selectors.task_queryset (schedule annotations)."""

    q = filters.CharFilter(label=_("搜索"), method="filter_search")
    round = filters.ModelChoiceFilter(label=_("督察轮次"), field_name="round", queryset=InspectionRound.objects.none())
    finding = filters.ModelChoiceFilter(label=_("反馈问题"), queryset=Finding.objects.none())
    category = filters.MultipleChoiceFilter(label=_("问题类别"), field_name="category", choices=Category.choices)
    status = filters.MultipleChoiceFilter(label=_("整改状态"), choices=TaskStatus.choices, method="filter_status")
    complete = filters.BooleanFilter(label=_("已完成整改"), method="filter_complete")
    lead_unit = filters.ModelChoiceFilter(
        label=_("牵头单位（含下级）"), queryset=Unit.objects.none(), method="filter_lead_unit"
    )
    leader = filters.ModelChoiceFilter(
        label=_("责任领导"), field_name="finding__responsible_leader", queryset=User.objects.none()
    )
    source = filters.ChoiceFilter(label=_("问题来源"), field_name="finding__source", choices=FindingSource.choices)
    overdue = filters.BooleanFilter(label=_("已逾期"), method="filter_overdue")
    due_within = filters.NumberFilter(label=_("N 天内到期"), method="filter_due_within", min_value=0, max_value=3650)
    schedule = filters.MultipleChoiceFilter(label=_("序时进度"), choices=Schedule.choices)
    warning = filters.MultipleChoiceFilter(label=_("预警等级"), choices=Warning.choices)
    lookback = filters.ChoiceFilter(
        label=_("回头看"),
        choices=LOOKBACK_FILTER_CHOICES,
        empty_label=_("全部"),
        method="filter_lookback",
    )
    deadline_after = filters.DateFilter(label=_("期限不早于"), field_name="deadline", lookup_expr="gte")
    deadline_before = filters.DateFilter(label=_("期限不晚于"), field_name="deadline", lookup_expr="lte")
    completed_after = filters.DateFilter(label=_("完成时间不早于"), field_name="completed_at", lookup_expr="date__gte")
    completed_before = filters.DateFilter(label=_("完成时间不晚于"), field_name="completed_at", lookup_expr="date__lte")
    signed_off_after = filters.DateFilter(
        label=_("销号时间不早于"), field_name="signed_off_at", lookup_expr="date__gte"
    )
    signed_off_before = filters.DateFilter(
        label=_("销号时间不晚于"), field_name="signed_off_at", lookup_expr="date__lte"
    )
    # Completion transitions in the event history (the dashboard's weekly trend links here).
    completion_event = filters.DateFromToRangeFilter(
        label=_("完成整改时间（按动态记录）"), method="filter_completion_event"
    )
    # Status, complete, overdue and due-within as they were at the end of this day; tasks created later
    # are left out. Schedule and warning stay current (past percentages are not kept).
    as_of = filters.DateFilter(label=_("截至日期"), method="filter_as_of")
    ordering = filters.OrderingFilter(
        label=_("排序"),
        fields=(
            ("finding__round__feedback_date", "round"),
            ("finding__number", "finding"),
            ("deadline", "deadline"),
            ("status", "status"),
            ("percent", "percent"),
            ("lead_unit__name", "lead_unit"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "round": _("督察轮次"),
            "finding": _("问题编号"),
            "deadline": _("整改期限"),
            "status": _("整改状态"),
            "percent": _("完成比例"),
            "lead_unit": _("牵头单位"),
            "updated": _("更新时间"),
        },
    )

    class Meta:
        model = RectificationTask
        fields = []

    def scope_choices(self, user):
        if user is None:
            return
        # Offer only what the user may see: another unit's name is not even a choice.
        findings = visible_findings(user)
        self.filters["lead_unit"].queryset = units_visible_to(user)
        self.filters["round"].queryset = visible_rounds(user)
        self.filters["finding"].queryset = findings
        # EXISTS per user (an index probe into findings.responsible_leader_id) instead of a join or an
        # IN over every finding: under 1 ms at 1M tasks, where the DISTINCT join took 364-519 ms (issue 19).
        self.filters["leader"].queryset = User.objects.filter(
            Exists(findings.filter(responsible_leader=OuterRef("pk")))
        ).order_by("pk")

    def filter_queryset(self, queryset):
        self.as_of_day = self.form.cleaned_data.get("as_of")
        if self.as_of_day:
            queryset = tasks_as_of(queryset, self.as_of_day)
        return super().filter_queryset(queryset)

    def _today(self):
        return getattr(self, "as_of_day", None) or timezone.localdate()

    def _complete(self):
        return complete_q(getattr(self, "as_of_day", None))

    def filter_as_of(self, queryset, name, value):
        return queryset  # applied first, in filter_queryset, because it changes what the status filters mean

    def filter_lookback(self, queryset, name, value):
        if value == "reopened":
            return queryset.filter(relapse_of__isnull=False)
        checks = LookbackCheck.objects.filter(task=OuterRef("pk"))
        if value == "pending":
            checks = checks.filter(verdict="")
        elif value != "sampled":
            checks = checks.filter(verdict=value)
        return queryset.filter(Exists(checks))

    def filter_status(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{status_field(getattr(self, 'as_of_day', None))}__in": value})

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = overdue_q(self._today(), getattr(self, "as_of_day", None))
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_completion_event(self, queryset, name, value):
        if not value or (value.start is None and value.stop is None):
            return queryset
        return queryset.filter(completed_between(value.start, value.stop))

    def filter_search(self, queryset, name, value):
        # One folded document per task (inspections/search.py): each term is one LIKE on search_text, which
        # its pg_trgm GIN index serves; full-width input (ＶＯＣｓ, ３-２) folds like the document did.
        return queryset.filter(search_q(value))

    def filter_complete(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(self._complete()) if value else queryset.exclude(self._complete())

    def filter_lead_unit(self, queryset, name, value):
        return queryset.filter(led_within(value)) if value else queryset

    def filter_due_within(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(due_soon_q(self._today(), int(value), getattr(self, "as_of_day", None)))


class RoundFilterSet(ScopedFilterSet):
    kind = filters.MultipleChoiceFilter(label=_("督察类型"), choices=RoundKind.choices)
    q = filters.CharFilter(label=_("搜索"), field_name="name", lookup_expr="icontains")

    class Meta:
        model = InspectionRound
        fields = ["kind", "batch"]


class FindingFilterSet(ScopedFilterSet):
    round = filters.ModelChoiceFilter(label=_("督察轮次"), queryset=InspectionRound.objects.none())
    category = filters.MultipleChoiceFilter(label=_("问题类别"), choices=Category.choices)
    source = filters.ChoiceFilter(label=_("问题来源"), choices=FindingSource.choices)
    q = filters.CharFilter(label=_("搜索"), method="filter_search")

    class Meta:
        model = Finding
        fields = ["round", "category", "source", "number"]

    def scope_choices(self, user):
        if user is not None:
            self.filters["round"].queryset = visible_rounds(user)

    def filter_search(self, queryset, name, value):
        for term in value.split()[:8]:
            queryset = queryset.filter(Q(summary__icontains=term) | Q(description__icontains=term))
        return queryset


class SupervisionActionFilterSet(filters.FilterSet):
    """督办记录: the list page, the API and the ranking's click-through (target_unit covers its subtree)."""

    kind = filters.MultipleChoiceFilter(label=_("督办种类"), choices=SupervisionKind.choices)
    target_unit = filters.ModelChoiceFilter(
        label=_("督办对象单位"), queryset=Unit.objects.all(), method="filter_target_unit"
    )
    issued_after = filters.DateFilter(label=_("下发日期不早于"), field_name="issued_on", lookup_expr="gte")
    issued_before = filters.DateFilter(label=_("下发日期不晚于"), field_name="issued_on", lookup_expr="lte")
    reply_due_after = filters.DateFilter(label=_("回复期限不早于"), field_name="reply_due", lookup_expr="gte")
    reply_due_before = filters.DateFilter(label=_("回复期限不晚于"), field_name="reply_due", lookup_expr="lte")
    reply_overdue = filters.BooleanFilter(label=_("逾期未回复"), method="filter_reply_overdue")
    task = filters.NumberFilter(label=_("整改任务"), field_name="tasks", distinct=False)
    q = filters.CharFilter(label=_("搜索"), method="filter_search")

    class Meta:
        model = SupervisionAction
        fields = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = user or getattr(request, "user", None)
        if user is not None:
            self.filters["target_unit"].queryset = units_visible_to(user)

    def filter_target_unit(self, queryset, name, value):
        return queryset.filter(target_unit__path__startswith=value.path) if value else queryset

    def filter_reply_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(reply_due__lt=timezone.localdate(), replied_at__isnull=True)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(doc_number__icontains=value) | Q(title__icontains=value))
