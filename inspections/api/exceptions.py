"""One error shape for every API failure: {"detail", "code", "field", "errors"}.

Service errors keep their status (400/403/409) and Chinese message; Django and DRF validation
errors become 400 with messages per field; "not found" and "not yours" are the same 404.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import ServiceError

NON_FIELD = "non_field_errors"


def _error(detail: str, code: str, *, field=None, errors=None, status_code=400, headers=None) -> Response:
    body = {"detail": str(detail), "code": code, "field": field, "errors": errors or {}}
    return Response(body, status=status_code, headers=headers)


def _django_errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {(NON_FIELD if k == "__all__" else k): list(v) for k, v in exc.message_dict.items()}
    return {NON_FIELD: list(exc.messages)}


def _first_message(errors) -> str:
    """The first message in a (possibly nested) DRF error structure."""
    while isinstance(errors, (dict, list)) and errors:
        errors = next(iter(errors.values())) if isinstance(errors, dict) else errors[0]
    return str(errors) if errors else ""


def _validation_response(errors: dict) -> Response:
    field = next((k for k in errors if k != NON_FIELD), None)
    message = _first_message(errors) or _("提交的数据有误。")
    detail = _("提交的数据有误：%(message)s") % {"message": message}
    return _error(detail, "invalid", field=field, errors=errors)


def api_exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        errors = {exc.field: [exc.message]} if exc.field else {}
        return _error(exc.message, exc.code, field=exc.field, errors=errors, status_code=exc.status)
    if isinstance(exc, DjangoValidationError):
        return _validation_response(_django_errors(exc))
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {NON_FIELD: exc.detail}
        return _validation_response(detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到该对象，或您无权查看。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = code if isinstance(code, str) else "error"
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return _error(
        _first_message(response.data) or _("请求失败。"), code, status_code=response.status_code, headers=headers
    )
