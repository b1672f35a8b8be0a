"""Refuse a request body over the per-request upload total before Django reads it.

Django streams uploaded files to temporary files while it parses a multipart body, so without this
a single request could carry any number of large files (100 × 20 MB) before a view sees them.
The limit is the evidence total of one request (EVIDENCE_MAX_REQUEST_MB) plus room for the form's
other fields; pages get the product's error page, the API its usual error shape, both 413.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

FORM_FIELDS_ROOM = 1024 * 1024


def request_max_bytes() -> int:
    return settings.EVIDENCE_MAX_REQUEST_BYTES + FORM_FIELDS_ROOM


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = request_max_bytes()
        if length > limit:
            return self.refuse(request, length, limit)
        return self.get_response(request)

    def refuse(self, request, length: int, limit: int):
        message = _("一次提交的内容过大（%(size)s），每次最多上传 %(limit)s，请分批上传。") % {
            "size": _mb(length),
            "limit": _mb(settings.EVIDENCE_MAX_REQUEST_BYTES),
        }
        if request.path.startswith("/api/"):
            body = {"detail": message, "code": "request_too_large", "field": None, "errors": {}}
            return JsonResponse(body, status=413, json_dumps_params={"ensure_ascii": False})
        return render(request, "413.html", {"message": message}, status=413)
