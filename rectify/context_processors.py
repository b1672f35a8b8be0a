"""Template context for the top bar: the user's unit and role, the menu, the unread count."""

from rectify.navigation import nav_items


def current_user(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from inspections.models import Notification

    return {
        "current_unit": user.unit,
        "current_role": user.get_role_display(),
        "nav_items": nav_items(user),
        "unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
