"""Append-only records of a task (progress, evidence, timeline): written once by a service, then kept.

The ledger is the accountable record of who reported, filed and signed what; a stored row is never
edited or deleted one by one (a mistaken evidence file is withdrawn with a reason instead).
"""

from django.db import models


class RecordIsAppendOnly(Exception):
    """A stored progress report, evidence file or timeline event was about to be changed or deleted."""


class AppendOnlyRecord(models.Model):
    # Fields a service may still set on a stored row (evidence withdrawal); everything else is fixed.
    MUTABLE_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if not update_fields or not set(update_fields) <= set(self.MUTABLE_FIELDS):
                raise RecordIsAppendOnly(f"{self._meta.label} {self.pk} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RecordIsAppendOnly(f"{self._meta.label} {self.pk} is append-only")
