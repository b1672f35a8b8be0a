"""整改任务: a finding is split into N tasks ("1+N"). The queryset computes schedule figures in SQL."""

from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import BooleanField, Case, CharField, F, FloatField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import figures
from ..choices import COMPLETE_STATUSES, Category, DeadlineKind, Schedule, TaskStatus, Warning
from ..db import DaysBetween


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


class TaskQuerySet(models.QuerySet):
    """Schedule figures as SQL annotations, so lists, dashboards and reports filter and count in the database."""

    def complete(self):
        return self.filter(figures.complete_q())

    def incomplete(self):
        return self.exclude(figures.complete_q())

    def overdue(self, today: date | None = None):
        return self.filter(figures.overdue_q(today or timezone.localdate()))

    def due_within(self, days: int | None = None, today: date | None = None):
        """Not complete, not yet overdue, deadline within `days` (default: due soon) calendar days from today."""
        return self.filter(figures.due_soon_q(today or timezone.localdate(), days))

    def with_schedule(self, today: date | None = None):
        """Annotate is_complete, is_overdue, days_left, expected_percent, schedule and warning."""
        today = today or timezone.localdate()
        tolerance = settings.SCHEDULE_TOLERANCE
        red_gap = settings.RED_GAP
        today_value = Value(today, output_field=models.DateField())
        complete_q = figures.complete_q()
        total = DaysBetween(F("deadline"), F("assigned_on"))
        elapsed = DaysBetween(today_value, F("assigned_on"))
        expected = Case(
            When(deadline__isnull=True, then=Value(0.0)),
            When(Q(deadline__lte=F("assigned_on")), then=Value(100.0)),
            default=Least(
                Value(100.0),
                Greatest(Value(0.0), Value(100.0) * Cast(elapsed, FloatField()) / Cast(total, FloatField())),
            ),
            output_field=FloatField(),
        )
        qs = self.annotate(
            is_complete=Case(When(complete_q, then=Value(True)), default=Value(False), output_field=BooleanField()),
            is_overdue=Case(
                When(figures.overdue_q(today), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            days_left=DaysBetween(F("deadline"), today_value),
            expected_percent=expected,
        )
        qs = qs.annotate(
            schedule=Case(
                When(complete_q, then=Value(Schedule.COMPLETE)),
                When(deadline__lt=today, then=Value(Schedule.OVERDUE)),
                When(
                    percent__gte=F("expected_percent") + tolerance, deadline__isnull=False, then=Value(Schedule.AHEAD)
                ),
                When(percent__gte=F("expected_percent") - tolerance, then=Value(Schedule.ON_SCHEDULE)),
                default=Value(Schedule.BEHIND),
                output_field=CharField(),
            ),
        )
        return qs.annotate(
            warning=Case(
                When(complete_q, then=Value(Warning.DONE)),
                When(deadline__lt=today, then=Value(Warning.RED)),
                When(percent__lt=F("expected_percent") - red_gap, then=Value(Warning.RED)),
                When(percent__lt=F("expected_percent") - tolerance, then=Value(Warning.YELLOW)),
                default=Value(Warning.BLUE),
                output_field=CharField(),
            )
        )

    def with_status_as_of(self, day: date, *, name: str = "status_as_of"):
        """Annotate `status_as_of` (or `name`): the status at the end of `day`, rebuilt from the event history.

        Tasks that did not exist yet get NULL; use `.existing_on(day)` to drop them. Pass another
        `name` to compare two dates in one query (the dispatch report's "this week").
        """
        from .events import TaskEvent

        last_status = (
            TaskEvent.objects.filter(task=OuterRef("pk"), at__lte=end_of_day(day))
            .exclude(to_status="")
            .order_by("-at", "-id")
            .values("to_status")[:1]
        )
        return self.annotate(**{name: Subquery(last_status, output_field=CharField())})

    def existing_on(self, day: date):
        return self.filter(created_at__lte=end_of_day(day))


class RectificationTask(models.Model):
    finding = models.ForeignKey(
        "inspections.Finding", verbose_name=_("反馈问题"), on_delete=models.PROTECT, related_name="tasks"
    )
    number = models.PositiveSmallIntegerField(_("任务序号"))
    # Copied from the finding (invariant: round_id == finding.round_id and category == finding.category),
    # so the dashboard and the list filters group and filter without joining the findings. Kept in step by
    # save() here, Finding.save() and the bulk writers (ledger importer, demo/bulk.py): see sync_from_finding.
    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("督察轮次"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    category = models.CharField(_("问题类别"), max_length=24, choices=Category.choices, editable=False)
    lead_unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="led_tasks"
    )
    cooperating_units = models.ManyToManyField(
        "accounts.Unit", verbose_name=_("配合单位"), blank=True, related_name="cooperating_tasks"
    )
    responsible_person = models.CharField(_("责任人"), max_length=100, blank=True)
    # 责任领导 as the ledger typed it for this task ("市委常委、常务副市长"): kept whole, whatever the
    # separators; the finding's responsible_leader is the account matched from it, when a name matches.
    leader_text = models.CharField(_("责任领导（原文）"), max_length=200, blank=True, default="", db_default="")
    remark = models.TextField(_("备注"), blank=True, default="", db_default="")
    goal = models.TextField(_("整改目标"), blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    deadline_text = models.CharField(_("整改时限"), max_length=200)
    deadline = models.DateField(_("整改期限（日期）"), null=True, blank=True)
    deadline_kind = models.CharField(
        _("时限类型"), max_length=16, choices=DeadlineKind.choices, default=DeadlineKind.DATED
    )
    milestones = models.JSONField(_("阶段性节点"), default=list, blank=True, help_text=_("ISO 日期列表"))
    status = models.CharField(_("整改状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    percent = models.PositiveSmallIntegerField(
        _("完成比例（%）"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # NULL: not known (a blank 投入资金 cell); unknown is not 0 and is left out of sums.
    investment = models.DecimalField(
        _("投入资金（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    assigned_on = models.DateField(_("交办日期"), default=timezone.localdate)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("验收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销号审签人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # 延期: the deadline as first assigned, kept when an approved extension moves `deadline` (原定期限).
    original_deadline_text = models.CharField(_("原定整改时限"), max_length=200, blank=True, default="", db_default="")
    original_deadline = models.DateField(_("原定期限（日期）"), null=True, blank=True)
    # The closure chain this task goes through, kept from its closure request (workflow.chain_of); empty: 验收 → 审签.
    closure_chain = models.JSONField(
        _("销号流程"), default=list, blank=True, db_default=models.Value([], output_field=models.JSONField())
    )
    notice_starts_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束日期"), null=True, blank=True)
    # 回头看: a relapse (反弹, 虚假整改) of a closed task is rectified again as a new task linked to it.
    relapse_of = models.ForeignKey(
        "self", verbose_name=_("原销号任务"), null=True, blank=True, on_delete=models.PROTECT, related_name="relapses"
    )
    # Optimistic concurrency: every write bumps it; a form posted with an older one is refused.
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # The search document (inspections/search.py): written only by search_texts_refresh, never by save().
    search_text = models.TextField(_("检索文本"), blank=True, default="", db_default="", editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at", "search_text"])

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改任务")
        verbose_name_plural = _("整改任务")
        ordering = ["finding__round_id", "finding__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["finding", "number"], name="task_number_unique_in_finding"),
            models.CheckConstraint(condition=Q(percent__lte=100), name="task_percent_range"),
            models.CheckConstraint(condition=Q(investment__gte=0), name="task_investment_positive"),
            models.CheckConstraint(condition=Q(number__gte=1), name="task_number_positive"),
            models.CheckConstraint(
                condition=Q(deadline__isnull=False) | Q(deadline_kind=DeadlineKind.LONG_TERM),
                name="task_deadline_unless_long_term",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="task_status_deadline"),
            models.Index(fields=["deadline"], name="task_deadline"),
            # The open (not complete) tasks by deadline: "overdue" (figures.overdue_q) read in deadline order,
            # e.g. the menu's capped to-do count on every page, without walking the complete tasks' entries
            # (task_status_deadline skipped 100,000 of them at 1M tasks for the first 1,000 overdue).
            models.Index(
                fields=["deadline", "status"], name="task_open_deadline", condition=~Q(status__in=COMPLETE_STATUSES)
            ),
            models.Index(fields=["round", "status"], name="task_round_status"),
            # A unit's own open tasks by status and deadline: its to-do lists (the menu's badge on every page a
            # unit user opens). Without it PostgreSQL ANDed the few lead-unit entries with tens of thousands of
            # status/deadline entries (15.6 -> 5.7 ms for the badge at 300k tasks).
            models.Index(fields=["lead_unit", "status", "deadline"], name="task_lead_status_deadline"),
            models.Index(fields=["category", "status"], name="task_category_status"),
            # The dashboard's grouped counts read every column they need from this index alone (an
            # index-only scan of narrow entries instead of walking each wide row past goal/measures).
            models.Index(
                fields=[
                    "round",
                    "lead_unit",
                    "category",
                    "status",
                    "deadline",
                    "assigned_on",
                    "percent",
                    "signed_off_at",
                ],
                name="task_dashboard_figures",
            ),
        ]

    def sync_from_finding(self) -> None:
        """Copy the finding's round and category onto the task (the denormalised columns)."""
        if self.finding_id:
            self.round_id = self.finding.round_id
            self.category = self.finding.category

    def clean_fields(self, exclude=None):
        self.sync_from_finding()
        super().clean_fields(exclude=exclude)

    def clean(self):
        """Constraints as field messages (task_deadline_unless_long_term, task_number_positive)."""
        super().clean()
        errors = {}
        if self.deadline is None and self.deadline_kind != DeadlineKind.LONG_TERM:
            errors["deadline_text"] = _("请填写整改时限（日期，或“长期坚持”）。")
        if self.number is not None and self.number < 1:
            errors["number"] = _("任务序号至少为 1。")
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # clean() already said it on 整改时限: skip the constraint's own "约束 … 是无效的".
        exclude = set(exclude or ())
        if self.deadline is None and self.deadline_kind != DeadlineKind.LONG_TERM:
            exclude.add("deadline")
        if self.number is not None and self.number < 1:
            exclude.add("number")
        super().validate_constraints(exclude=exclude)

    def save(self, *args, **kwargs):
        self.sync_from_finding()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "round", "category"}
        elif not self._state.adding and self.pk is not None and not kwargs.get("force_insert"):
            # A full save of a loaded task must not write back the document it was loaded with: the
            # services refresh it in SQL after the save, and a stale copy would undo that.
            skip = {"search_text", *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                f.attname for f in self._meta.concrete_fields if not f.primary_key and f.attname not in skip
            ]
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.code} {self.finding.summary[:30]}" if self.finding_id else self.code

    @property
    def code(self) -> str:
        """Task number as ledgers write it: finding number - task number, e.g. 3-2."""
        finding_number = self.finding.number if self.finding_id else "?"
        return f"{finding_number}-{self.number}"

    @property
    def was_extended(self) -> bool:
        return bool(self.original_deadline_text)

    @property
    def is_read_only(self) -> bool:
        return self.status == TaskStatus.CLOSED

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspections:task_detail", args=[self.pk])
