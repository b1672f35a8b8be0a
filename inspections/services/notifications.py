"""In-app notifications: written in the same transaction as the change they announce."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ..models import Notification


def notify(*, recipients: Iterable, kind: str, title: str, body: str = "", url: str = "", task=None) -> int:
    rows = [
        Notification(recipient=user, kind=kind, title=title[:200], body=body, url=url, task=task)
        for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values()
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def notification_mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all of them when no ids are given)."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
