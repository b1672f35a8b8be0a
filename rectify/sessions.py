"""The session middleware of the idle timeout: a session lasts SESSION_COOKIE_AGE after the last request, but
its row is rewritten at most once per SESSION_RENEW_SECONDS instead of on every request.

Django's SESSION_SAVE_EVERY_REQUEST renews the expiry with an UPDATE of django_session on every page (issue 19:
one write per request, on reads too). Here a request renews the session only when the last renewal is older than
SESSION_RENEW_SECONDS (the time is kept in the session itself), or when the session is saved anyway. The
session can therefore end up to SESSION_RENEW_SECONDS before SESSION_COOKIE_AGE of idleness, never after.
"""

import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware

RENEWED_AT = "_renewed_at"


class IdleTimeoutSessionMiddleware(SessionMiddleware):
    def process_response(self, request, response):
        session = getattr(request, "session", None)
        # An empty session (anonymous, or just flushed by a logout) is left to Django: never revived here.
        if session is not None and not session.is_empty():
            now = int(time.time())
            renewed_at = session.get(RENEWED_AT)
            if (
                session.modified
                or not isinstance(renewed_at, int)
                or now - renewed_at >= settings.SESSION_RENEW_SECONDS
            ):
                session[RENEWED_AT] = now  # marks the session modified: Django saves it with a new expiry
        return super().process_response(request, response)
