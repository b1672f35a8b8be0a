"""Sessions of the idle timeout: a session lasts SESSION_COOKIE_AGE after the last request, but its row is
rewritten only when that would move its expiry by SESSION_RENEW_SECONDS or more, not on every request.

Django's SESSION_SAVE_EVERY_REQUEST renews the expiry with an UPDATE of django_session on every page (issue 19:
one write per request, reads included). Here the session engine (SESSION_ENGINE = "rectify.sessions", Django's
database sessions) remembers the expiry it read with the session, and SessionRenewalMiddleware has Django's
SessionMiddleware save the session when the new expiry would be SESSION_RENEW_SECONDS later than the stored one
(a changed session is saved anyway, as Django does).
A session can therefore end up to SESSION_RENEW_SECONDS before SESSION_COOKIE_AGE of idleness, never after.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends import db


class SessionStore(db.SessionStore):
    stored_expiry = None  # the expire_date of the row this session was read from (None: not read from the database)

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self.stored_expiry = row.expire_date if row is not None else None
        return row

    def renewal_due(self) -> bool:
        if self.stored_expiry is None:
            return True
        return self.get_expiry_date() - self.stored_expiry >= timedelta(seconds=settings.SESSION_RENEW_SECONDS)


class SessionRenewalMiddleware:
    """Right inside Django's SessionMiddleware (which saves a modified session on the way out): marks the session
    modified when its expiry is due for renewal."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        renewal_due = getattr(session, "renewal_due", None)
        if renewal_due is not None and not session.modified:
            accessed = session.accessed
            session._get_session()  # read it (if the view did not), as Django's save-every-request did...
            session.accessed = accessed  # ...without adding "Vary: Cookie" to a response that did not read it
            # An empty session (anonymous, or flushed by a logout) is left to Django: never revived here.
            if not session.is_empty() and renewal_due():
                session.modified = True  # Django's SessionMiddleware saves it with a new expiry
        return response
