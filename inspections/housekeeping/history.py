"""Pruning of old change-history rows (django-simple-history), daily and by `manage.py prune_history`."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone


@dataclass(frozen=True)
class PruneResult:
    cutoff: datetime
    counts: list  # [(model, records deleted or, on a dry run, to be deleted)]

    @property
    def total(self) -> int:
        return sum(count for _model, count in self.counts)


def history_prune(*, days: int | None = None, dry_run: bool = False) -> PruneResult:
    """Delete history older than `days` (default settings.HISTORY_RETENTION_DAYS) of every tracked model.

    Same selection as simple-history's `clean_old_history --auto`, with one difference: for each object
    the newest record older than the cutoff is kept (unless it records a deletion), so the first change
    inside the retention period still has something to be compared against on the object's page.
    Safe to rerun: a second run finds nothing more to delete.
    """
    from simple_history.management.commands.clean_old_history import Command as CleanOldHistory

    days = settings.HISTORY_RETENTION_DAYS if days is None else days
    if days < 1:
        raise ValueError("days must be positive")
    cutoff = timezone.now() - timedelta(days=days)
    finder = CleanOldHistory()
    finder.verbosity = 0
    counts = []
    for model, history_model in sorted(finder._auto_models(), key=lambda m: m[0]._meta.label):
        doomed = prunable(history_model, cutoff)
        with transaction.atomic():
            counts.append((model, doomed.count() if dry_run else doomed.delete()[0]))
    return PruneResult(cutoff=cutoff, counts=counts)


def prunable(history_model, cutoff):
    """Records older than `cutoff`, minus each object's newest such record unless it is a deletion."""
    old = history_model.objects.filter(history_date__lt=cutoff)
    baseline = old.filter(id=OuterRef("id")).order_by("-history_date", "-history_id").values("history_id")[:1]
    keep = old.exclude(history_type="-").filter(history_id=Subquery(baseline))
    return old.exclude(history_id__in=keep.values("history_id"))
