"""The timeline of a task: who did what, when, from which state to which, and why.

Status "as of a date" is reconstructed from these rows (the last transition at or before it).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import COMPLETE_STATUSES, EventKind, TaskStatus
from .records import AppendOnlyRecord

# A transition that made a task complete: into verified/closed/long_term from an open state. The
# dashboard's weekly trend and the task list's completion_event filter select these rows.
COMPLETION_TRANSITION = models.Q(kind=EventKind.TRANSITION, to_status__in=COMPLETE_STATUSES) & ~models.Q(
    from_status__in=COMPLETE_STATUSES
)

# A request sent back (退回整改): the transition of workflow.Action.REJECT (spelled out here: the workflow imports
# the models). Rare among the events: the to-do's 被退回 list starts from these rows (event_reject_task).
REJECT_TRANSITION = models.Q(kind=EventKind.TRANSITION, action="reject")  # workflow.Action.REJECT


class TaskEvent(AppendOnlyRecord):
    task = models.ForeignKey(
        "inspections.RectificationTask", verbose_name=_("整改任务"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    kind = models.CharField(_("事件类型"), max_length=16, choices=EventKind.choices)
    action = models.CharField(_("操作"), max_length=24, blank=True)
    from_status = models.CharField(_("原状态"), max_length=16, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=TaskStatus.choices, blank=True)
    reason = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("任务动态")
        verbose_name_plural = _("任务动态")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["task", "at"], name="event_task_at"),
            models.Index(fields=["to_status", "at"], name="event_status_at"),
            # Status as of a day (with_status_as_of): the last status event of a task at or before it,
            # read from the index alone, newest first, without visiting progress/evidence rows.
            models.Index(
                fields=["task", "-at", "-id", "to_status"],
                name="event_task_status_at",
                condition=~models.Q(to_status=""),
            ),
            # The weekly completion trend: completion transitions by time, with their task, read from
            # the index alone (a few thousand entries a quarter instead of heap visits across all events).
            models.Index(fields=["at", "task"], name="event_completion_at", condition=COMPLETION_TRANSITION),
            # The 被退回 to-do list: the few tasks with a reject, probed per task (or read alone) instead of
            # sorting every open task's events for its last action.
            models.Index(fields=["task"], name="event_task_rejected", condition=REJECT_TRANSITION),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"  # Asia/Shanghai, not UTC
