"""Who may manage accounts. (The ledger's own rules are in inspections/access.py; accounts imports nothing from it.)"""

from .choices import Role


def can_manage_accounts(user) -> bool:
    """Create users, change roles and units, reset passwords, deactivate: administrators only.

    Bureau staff may look accounts up (to pick a leader), but one bureau account must not be able
    to make itself a leader account and sign off what it verified (separation of duties).
    """
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role == Role.ADMIN))
