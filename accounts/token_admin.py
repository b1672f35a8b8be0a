"""Admin list of every API token: administrators see and revoke any (keys are never stored, so never shown)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .access import can_manage_accounts
from .credentials import ApiToken


def _is_administrator(request) -> bool:
    return can_manage_accounts(request.user)


def _titled_date_filter(title):
    """knox's fields have no verbose names ("created", "expiry"): the filter gets a Chinese title."""

    class TitledDateFilter(admin.DateFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return TitledDateFilter


class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("key_start", "name", "user", "created_at", "expires_at")
    list_select_related = ("user",)
    search_fields = ("token_key", "name", "user__username", "user__full_name")
    list_filter = (("created", _titled_date_filter(_("创建时间"))), ("expiry", _titled_date_filter(_("到期时间"))))
    fields = ("key_start", "name", "user", "created_at", "expires_at")
    readonly_fields = fields
    ordering = ("-created",)

    @admin.display(description=_("创建时间"), ordering="created")
    def created_at(self, token):
        return token.created

    @admin.display(description=_("到期时间"), ordering="expiry")
    def expires_at(self, token):
        return token.expiry

    @admin.display(description=_("令牌开头"))
    def key_start(self, token):
        return f"{token.token_key[:8]}…"

    # Tokens are created by their owner (the key is shown only to them, once); here they are only revoked.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return _is_administrator(request)

    def has_delete_permission(self, request, obj=None):
        return _is_administrator(request)

    def has_module_permission(self, request):
        return _is_administrator(request)


def register() -> None:
    if not admin.site.is_registered(ApiToken):
        admin.site.register(ApiToken, ApiTokenAdmin)
