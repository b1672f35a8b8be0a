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


def same_person(user: User | None, other: User | None) -> bool:
    """Two accounts of one person: the same account, or the same (non-empty) e-mail address.

    Used where one person must not hold two steps of a procedure (谁验收、谁负责: the verifier does not
    sign off), whichever of their accounts they use.
    """
    if user is None or other is None:
        return False
    if user.pk == other.pk:
        return True
    email = (user.email or "").strip().lower()
    return bool(email) and email == (other.email or "").strip().lower()
