"""Admin for users and the unit tree. Only administrators manage accounts; bureau staff may look them up."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .access import can_manage_accounts
from .choices import Role
from .models import Unit, User
from .services import unit_rename, user_role_group_sync

# Administrators (role admin) manage accounts in the admin, but only a superuser may hand out admin rights.
SUPERUSER_ONLY_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    readonly_fields = ("path",)

    def save_model(self, request, obj, form, change):
        if change and "name" in form.changed_data:
            unit_rename(actor=request.user, unit=obj, name=obj.name)  # the tasks' search documents follow
        else:
            super().save_model(request, obj, form, change)


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ("username", "full_name", "role", "unit", "email", "is_active", "last_login")
    list_filter = ("role", "is_active", "unit__kind")
    search_fields = ("username", "full_name", "email", "unit__name")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "email", "phone")}),
        (_("单位与角色"), {"fields": ("unit", "role")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "unit", "role", "password1", "password2")}),
    )

    # Separation of duties: adding, editing (role, unit, password reset) and deleting accounts is for
    # administrators only, whatever permissions a group hands out; bureau staff keep the read-only view.
    def has_add_permission(self, request):
        return can_manage_accounts(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return can_manage_accounts(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # An account is named in the record (who reported, verified, signed): deactivate it, never delete it.
        return False

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return readonly
        return (*readonly, *SUPERUSER_ONLY_FIELDS)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [(value, label) for value, label in Role.choices if value != Role.ADMIN]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # Nobody but a superuser edits a superuser or an administrator account.
        return qs if request.user.is_superuser else qs.filter(is_superuser=False).exclude(role=Role.ADMIN)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # after the form's own groups are saved
        if not change or "role" in form.changed_data:
            user_role_group_sync(form.instance)  # the role decides the groups and admin access


# 用户组的权限列表 in Chinese: Django stores permission names in English ("Can add access attempt"); the list shows
# the action and the model's (translated) verbose name instead.
PERMISSION_ACTIONS = {"add": _("新增"), "change": _("修改"), "delete": _("删除"), "view": _("查看")}


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, permission):
        model = permission.content_type.model_class()
        action, _sep, _rest = permission.codename.partition("_")
        if model is None or action not in PERMISSION_ACTIONS:
            return str(permission)
        return f"{model._meta.app_config.verbose_name} | {PERMISSION_ACTIONS[action]} {model._meta.verbose_name}"


class ChineseGroupAdmin(GroupAdmin):
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "permissions":
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, ChineseGroupAdmin)
