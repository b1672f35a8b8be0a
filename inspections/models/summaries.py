"""Summary tables of the dashboard's figures: counters per group instead of scans of every task.

Written only by inspections.summaries (the services' write hook, the daily roll, the backfill and the
reconcile command); read by the dashboard. See that module for what each table holds and when.
"""

from django.db import models


class FigureDay(models.Model):
    """The one row (pk=1) saying for which day the live counters are classified, and with which settings.

    Every tracked write locks it FOR SHARE and the daily roll FOR UPDATE, so a write's deltas and the
    roll's rebuild never interleave. `day` NULL: never built (the dashboard scans the tasks).
    """

    day = models.DateField(null=True)
    definition = models.CharField(max_length=100, blank=True, default="")
    built_at = models.DateTimeField(null=True)
    # The unit tree the cooperation counters were built on ({unit id: path}) and its digest
    # (summaries.unit_tree_fingerprint): their viewers are ancestors of units, so writers classify by this tree,
    # and after a unit moves the counters are not read until the roll (or reconcile) rebuilds them.
    cooperation_tree = models.CharField(max_length=32, blank=True, default="")
    cooperation_paths = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "figure day"


class TaskFigure(models.Model):
    """Live counters as signed deltas: `n` tasks (+/-) with this key as of FigureDay.day.

    Writers only INSERT (no hot row to update, so no lock waits or deadlocks between writers); the
    compaction folds the rows back to one per key. The key is what the dashboard groups and filters on.
    """

    round_id = models.IntegerField()
    lead_unit_id = models.IntegerField()
    category = models.CharField(max_length=24)
    status = models.CharField(max_length=16)
    warning = models.CharField(max_length=8)
    deadline_class = models.CharField(max_length=8)  # past / soon / "" (later, or no deadline)
    closed_week = models.BooleanField()
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["lead_unit_id"], name="taskfigure_unit")]


class TaskCooperationFigure(models.Model):
    """Live counters of the tasks a unit sees only because a unit of its subtree cooperates on them: for each
    task, one count under each `viewer_unit_id` that is an ancestor (or itself) of a cooperating unit and not
    of the lead unit, with the task's TaskFigure key but the lead unit (for the viewer, every one of these tasks
    is led elsewhere: the dashboard shows them as one group). A unit user's figures are its subtree's
    TaskFigure rows plus the TaskCooperationFigure rows of its own unit. Signed deltas as TaskFigure, kept by
    the same writes, roll, compaction and reconcile; valid while FigureDay.cooperation_tree is the unit
    tree's fingerprint."""

    viewer_unit_id = models.IntegerField()
    round_id = models.IntegerField()
    category = models.CharField(max_length=24)
    status = models.CharField(max_length=16)
    warning = models.CharField(max_length=8)
    deadline_class = models.CharField(max_length=8)
    closed_week = models.BooleanField()
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["viewer_unit_id", "round_id"], name="taskcoopfigure_viewer")]


class TaskFigureSnapshot(models.Model):
    """The counters at the end of a past `day` (the as-of dashboard), without the warning colours
    (past percentages are not kept, so the as-of dashboard shows none)."""

    day = models.DateField()
    round_id = models.IntegerField()
    lead_unit_id = models.IntegerField()
    category = models.CharField(max_length=24)
    status = models.CharField(max_length=16)
    deadline_class = models.CharField(max_length=8)
    closed_week = models.BooleanField()
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "lead_unit_id"], name="taskfiguresnapshot_day_unit")]


class SnapshotDay(models.Model):
    """A day whose snapshot rows are complete (a day without a row here is scanned from the events)."""

    day = models.DateField(primary_key=True)
    built_at = models.DateTimeField()


class TaskCompletionDay(models.Model):
    """The weekly completion trend without the events: `n` tasks (by their current round, lead unit and
    category) whose first completion transition of `day`'s week happened on `day`. Summing a week's days
    gives the distinct tasks completed that week. Holds the days before FigureDay.day (rebuilt by the roll,
    moved by the services when a task's round, lead unit or category changes); today is read from the events."""

    day = models.DateField()
    round_id = models.IntegerField()
    lead_unit_id = models.IntegerField()
    category = models.CharField(max_length=24)
    n = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["day", "lead_unit_id"], name="taskcompletionday_day_unit"),
            # A unit's trend: its few lead units' days of the 12 weeks, read from the index alone, not every unit's
            # days of the range filtered (a parallel scan of the table at 1M tasks: 20-60 ms). n is a key column,
            # not INCLUDE, which SQLite lacks (a warning at every migrate of the quick start).
            models.Index(fields=["lead_unit_id", "day", "n"], name="taskcompletionday_unit_day"),
        ]
