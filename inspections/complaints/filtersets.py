"""The one FilterSet of complaint cases: the list page, the API and the disclosure export read it."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from accounts.selectors import units_visible_to

from ..access import visible_batches, visible_complaint_rounds
from ..choices import CaseStatus, CaseVerdict, PollutionType
from ..filtersets import ScopedFilterSet
from ..models import ComplaintCase, InspectionRound
from .figures import overdue_q


class ComplaintCaseFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索（编号、内容、区域）"), method="filter_q")
    round = django_filters.ModelChoiceFilter(
        label=_("督察轮次"), queryset=InspectionRound.objects.none(), field_name="round"
    )
    batch = django_filters.NumberFilter(label=_("批次"), field_name="batch__number", min_value=1, max_value=32767)
    status = django_filters.MultipleChoiceFilter(label=_("办理状态"), choices=CaseStatus.choices)
    pollution_type = django_filters.ChoiceFilter(label=_("污染类型"), choices=PollutionType.choices)
    verdict = django_filters.ChoiceFilter(label=_("是否属实"), choices=CaseVerdict.choices)
    region = django_filters.CharFilter(label=_("行政区域"), field_name="region", lookup_expr="icontains")
    lead_unit = django_filters.ModelChoiceFilter(
        label=_("承办单位"), queryset=Unit.objects.none(), method="filter_unit"
    )
    overdue = django_filters.BooleanFilter(label=_("逾期未反馈"), method="filter_overdue")
    repeat = django_filters.BooleanFilter(label=_("重复件"), method="filter_repeat")
    is_key = django_filters.BooleanFilter(label=_("重点件"), field_name="is_key")
    unassigned = django_filters.BooleanFilter(label=_("未转办"), method="filter_unassigned")

    class Meta:
        model = ComplaintCase
        fields = []

    def scope_choices(self, user) -> None:
        # Only what the user may see is a choice (another unit's round or name is "not a valid choice").
        self.user = user
        if user is None:
            return
        self.filters["round"].queryset = visible_complaint_rounds(user).order_by("name")
        self.filters["lead_unit"].queryset = units_visible_to(user)

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(summary__icontains=value) | Q(region__icontains=value))

    def filter_unit(self, queryset, name, value):
        return queryset.filter(lead_unit__path__startswith=value.path) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        condition = overdue_q(timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_repeat(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(repeat_of__isnull=not value)

    def filter_unassigned(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(lead_unit__isnull=value)


def batches_for(user):
    return visible_batches(user).select_related("round").order_by("round__name", "number")
