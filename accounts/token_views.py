"""The user's own API tokens: list, create (the key shown once) and revoke. Admins revoke any in the admin."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .credentials import ApiToken
from .services import api_token_issue, api_token_revoke, api_tokens_revoke_all


@never_cache  # the page may carry a new key: no copy in any cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            if api_token_revoke(user=request.user, digest=request.POST.get("token", "")):
                messages.success(request, _("API 令牌已吊销，使用它的脚本将无法再访问。"))
            return redirect("api_tokens")
        if action == "revoke_all":
            if api_tokens_revoke_all(user=request.user):
                messages.success(request, _("您的全部 API 令牌已吊销。"))
            return redirect("api_tokens")
        # The key is shown once, on this response only; afterwards only its first characters.
        _token, new_key = api_token_issue(user=request.user, name=request.POST.get("name", ""))
    context = {
        "tokens": ApiToken.objects.filter(user=request.user).order_by("-created"),
        "new_key": new_key,
        "token_days": settings.API_TOKEN_DAYS,
        "docs_url": reverse("api:docs"),
        "token_url": request.build_absolute_uri(reverse("api:token")),
        "tasks_url": request.build_absolute_uri(reverse("api:task-list")),
    }
    return render(request, "accounts/tokens.html", context)
