"""Pieces the services for rounds and findings share: who may write, and validated saves with history."""

from ..access import MANAGE_ROUNDS, require


def require_manager(actor) -> None:
    require(actor, MANAGE_ROUNDS)


def save_validated(instance, *, actor):
    """full_clean, then save with `actor` recorded in the change history (simple_history)."""
    instance.full_clean()
    instance._history_user = actor
    instance.save()
    return instance


def edit_fields(instance, *, actor, fields: dict, allowed: tuple[str, ...]):
    """Set the named fields (only those in `allowed`: a caller's typo is a bug, not user input) and save."""
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(f"unknown {instance._meta.model_name} field: {name}")
        setattr(instance, name, value)
    return save_validated(instance, actor=actor)
