"""Errors raised by services; each carries a message a bureau's staff can read."""

from django.core.exceptions import PermissionDenied


class ServiceError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(ServiceError, PermissionDenied):
    """The actor's role or unit may not do this: a 403 wherever it surfaces (page, API, command)."""

    code = "not_allowed"
    status = 403


class TransitionNotAllowed(NotAllowed):
    code = "transition_not_allowed"


class ReasonRequired(ServiceError):
    code = "reason_required"


class EvidenceRequired(ServiceError):
    code = "evidence_required"


class TaskReadOnly(ServiceError):
    code = "read_only"
    status = 409


class StaleVersion(ServiceError):
    """The task changed since the form was loaded: refuse instead of overwriting silently."""

    code = "stale"
    status = 409


class InvalidFile(ServiceError):
    code = "invalid_file"


class WrongState(ServiceError):
    """The task's state does not allow this (e.g. evidence after the closure request)."""

    code = "wrong_state"
    status = 409
