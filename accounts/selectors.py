"""Reads for units and users."""

from django.db.models import QuerySet

from .choices import Role
from .models import Unit, User


def units_visible_to(user: User) -> QuerySet[Unit]:
    """The units a user may see and filter by: everything, or its own subtree."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if user.sees_everything:
        return Unit.objects.all()
    if user.unit_id is None:
        return Unit.objects.none()
    return Unit.objects.subtree_of(user.unit)


def leaders() -> QuerySet[User]:
    return User.objects.filter(role=Role.LEADER, is_active=True).order_by("full_name", "username")


def bureau_staff() -> QuerySet[User]:
    return User.objects.filter(role__in=[Role.BUREAU, Role.ADMIN], is_active=True)
