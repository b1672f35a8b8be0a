"""The Content-Security-Policy middleware: django-csp's, plus the admin's exception (CSP_ADMIN_UPDATE).

The site-wide policy is CONTENT_SECURITY_POLICY in settings. Pages under /admin/ get CSP_ADMIN_UPDATE
added to it: third-party admin templates we do not own need it (see the settings for what and why).
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.urls import reverse


def _merged(update: dict | None, extra: dict) -> dict:
    merged = {key: list(values) for key, values in (update or {}).items()}
    for key, values in extra.items():
        merged.setdefault(key, []).extend(values)
    return merged


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        extra = getattr(settings, "CSP_ADMIN_UPDATE", None)
        if extra and request.path_info.startswith(reverse("admin:index")):
            parts.update = _merged(parts.update, extra)
        return parts
