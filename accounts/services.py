"""Writes for units and users."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal

from .models import ApiToken, Unit, User

# Sent (inside the transaction) when a unit's name changes: apps keeping copies of unit names refresh them.
# accounts imports nothing from inspections, so it announces instead of calling (the task search document).
unit_renamed = Signal()


@transaction.atomic
def unit_create(*, name: str, code: str, kind: str, parent: Unit | None = None) -> Unit:
    return Unit.objects.create(name=name, code=code, kind=kind, parent=parent)


@transaction.atomic
def unit_rename(*, actor, unit: Unit, name: str) -> Unit:
    """Rename a unit (its other edited fields are saved with it); listeners of `unit_renamed` follow."""
    old_name = Unit.objects.filter(pk=unit.pk).values_list("name", flat=True).first()
    unit.name = name
    unit.full_clean()
    unit._history_user = actor
    unit.save()
    if old_name != unit.name:
        unit_renamed.send(sender=Unit, unit=unit, actor=actor)
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, parent: Unit | None) -> Unit:
    """Re-parent a unit; Unit.save rewrites the paths of its whole subtree."""
    unit.parent = parent
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    unit: Unit | None = None,
    full_name: str = "",
    email: str = "",
    **extra,
) -> User:
    user = User(username=username, role=role, unit=unit, full_name=full_name, email=email, **extra)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError:
        raise
    user.save()
    return user


ROLE_GROUP_NAMES = {
    "admin": "系统管理员",
    "bureau": "督察办",
    "leader": "领导",
    "unit": "责任单位联络员",
    "superior": "上级督察办",
}
# Writing accounts is for administrators (separation of duties): bureau staff may only look them up.
ACCOUNT_WRITE_PERMISSIONS = ("add_user", "change_user", "delete_user")


@transaction.atomic
def role_groups_ensure() -> dict:
    """Groups that give administrators and bureau staff the admin (every ledger model), others nothing there."""
    from django.contrib.auth.models import Group, Permission

    groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in ROLE_GROUP_NAMES.items()}
    ledger_perms = Permission.objects.filter(content_type__app_label__in=["inspections", "accounts"])
    groups["admin"].permissions.set(ledger_perms)
    groups["bureau"].permissions.set(ledger_perms.exclude(codename__in=ACCOUNT_WRITE_PERMISSIONS))
    return groups


def user_role_group_sync(user: User) -> None:
    """Put a user in the group of its role; bureau staff and admins may open the admin."""
    groups = role_groups_ensure()
    user.groups.remove(*groups.values())
    if user.role in groups:
        user.groups.add(groups[user.role])
    user.is_staff = user.role in ("bureau", "admin") or user.is_superuser
    user.save(update_fields=["is_staff"])


@transaction.atomic
def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for `user`, next to any it already has. Returns the token and its key: the key is
    not stored (only a digest), so this is the one moment it can be shown."""
    return ApiToken.objects.create(user=user, name=name.strip()[:100], expiry=timedelta(days=settings.API_TOKEN_DAYS))


@transaction.atomic
def api_token_revoke(*, user: User, digest: str) -> bool:
    """Revoke one of `user`'s own tokens; someone else's token is left alone (and reported as not found)."""
    deleted, _ = ApiToken.objects.filter(user=user, digest=digest).delete()
    return bool(deleted)


@transaction.atomic
def api_tokens_revoke_all(*, user: User) -> int:
    """Every token of `user`: on a password change, an unusable password, deactivation (accounts/signals.py)."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted
