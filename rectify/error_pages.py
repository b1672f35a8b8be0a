"""The product's own error pages in development too: with DEBUG on (the quick start), a 404 or an uncaught
error shows templates/404.html / 500.html, as in production, instead of Django's English technical pages.

DEBUG_ERROR_PAGES=1 asks for Django's technical pages (URL list, traceback). The traceback of a 500 is
always written to the console log. With DEBUG off this middleware does nothing: Django already uses the
product's pages. 403 pages are the product's in every mode (Django uses handler403 regardless of DEBUG).
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import get_exception_response
from django.core.signals import got_request_exception
from django.http import Http404
from django.urls import get_resolver, get_urlconf

logger = logging.getLogger("django.request")


def _active() -> bool:
    return settings.DEBUG and not getattr(settings, "DEBUG_ERROR_PAGES", False)


class ProductErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No view matched the address (Django's resolver 404): the technical page lists every URL pattern.
        if _active() and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return get_exception_response(request, get_resolver(get_urlconf()), 404, Http404(request.path))
        return response

    def process_exception(self, request, exception):
        if not _active() or isinstance(exception, PermissionDenied):
            return None  # production handling, or Django's handler403 (the product's page in every mode)
        resolver = get_resolver(get_urlconf())
        if isinstance(exception, Http404):
            return get_exception_response(request, resolver, 404, exception)
        got_request_exception.send(sender=None, request=request)
        logger.error("Internal Server Error: %s", request.path, exc_info=sys.exc_info(), extra={"request": request})
        return resolver.resolve_error_handler(500)(request)
