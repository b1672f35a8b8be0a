"""Template context for the top bar: the user's unit and role, the menu, the unread count."""

from rectify.navigation import nav_items


def current_user(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from inspections.models import Notification

    items = nav_items(user)
    more = [item for item in items if item["more"]]
    return {
        "calendar_gap": lambda: calendar_gap(user),  # called only by the pages that show it (to-do, admin index)
        "current_unit": user.unit,
        "current_role": user.get_role_display(),
        "nav_items": items,
        "nav_more": more,
        "nav_more_current": any(item["url"] == request.path for item in more),
        "unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
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
