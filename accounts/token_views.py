"""The user's own API token: create (or replace) and revoke. Admins manage everyone's in the admin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from .services import api_token_issue, api_token_revoke


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if api_token_revoke(user=request.user):
                messages.success(request, _("API 令牌已吊销，使用它的脚本将无法再访问。"))
            return redirect("api_tokens")
        # The key is shown once, on this response only; afterwards only its first characters.
        new_key = api_token_issue(user=request.user).key
    token = Token.objects.filter(user=request.user).first()
    context = {
        "token": token,
        "new_key": new_key,
        "docs_url": reverse("api:docs"),
        "token_url": request.build_absolute_uri(reverse("api:token")),
        "tasks_url": request.build_absolute_uri(reverse("api:task-list")),
    }
    return render(request, "accounts/tokens.html", context)
