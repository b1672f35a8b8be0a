"""The bell's list: the user's own notifications, mark one or all read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .. import services
from ..models import Notification


@login_required
def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.user).select_related("task")
    if request.GET.get("unread") == "1":
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "inspections/notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request):
    """Mark one notification (and follow its link) or all of them read."""
    raw = request.POST.get("notification")
    if raw and raw.isdigit():
        services.notification_mark_read(actor=request.user, notification_ids=[int(raw)])
        target = Notification.objects.filter(recipient=request.user, pk=int(raw)).values_list("url", flat=True).first()
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect(target)
    else:
        services.notification_mark_read(actor=request.user)
    return redirect("inspections:notification_list")
