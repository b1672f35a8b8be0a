"""Template context for the top bar: the user's unit and role, the menu, the unread count.

The menu (with its to-do badge, a count query) and the unread count (another) are read when a template shows
them, not when the context is built: the htmx fragments (the task table, the closure panel...) render with the
same context processors but without the top bar, and used to pay both queries for nothing (issue 19)."""

from functools import cached_property

from django.utils.functional import SimpleLazyObject

from rectify.navigation import nav_items


class _TopBar:
    def __init__(self, user):
        self.user = user

    @cached_property
    def items(self) -> list[dict]:
        return nav_items(self.user)

    @cached_property
    def more(self) -> list[dict]:
        return [item for item in self.items if item["more"]]

    @cached_property
    def unread(self) -> int:
        from inspections.models import Notification

        return Notification.objects.filter(recipient=self.user, read_at__isnull=True).count()


def current_user(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    bar = _TopBar(user)
    return {
        "calendar_gap": lambda: calendar_gap(user),  # called only by the pages that show it (to-do, admin index)
        "current_unit": user.unit,
        "current_role": user.get_role_display(),
        "nav_items": SimpleLazyObject(lambda: bar.items),
        "nav_more": SimpleLazyObject(lambda: bar.more),
        "nav_more_current": SimpleLazyObject(lambda: any(item["url"] == request.path for item in bar.more)),
        "unread_notifications": SimpleLazyObject(lambda: bar.unread),
    }


def calendar_gap(user) -> dict | None:
    """For bureau staff and administrators, from 1 December: next year's (or this year's) official holidays are
    missing from the working-day calendar (inspections.reminders.selectors.calendar_gaps)."""
    from django.urls import reverse
    from django.utils import timezone

    from inspections.access import can_manage
    from inspections.reminders.selectors import calendar_gaps
    from inspections.reminders.workdays import LAST_COVERED_YEAR

    if not can_manage(user):
        return None
    years = calendar_gaps(timezone.localdate())
    if not years:
        return None
    return {
        "years": "、".join(str(year) for year in years),
        "last_covered": LAST_COVERED_YEAR,
        "add_url": reverse("admin:inspections_holiday_add"),
        "list_url": reverse("admin:inspections_holiday_changelist"),
    }
