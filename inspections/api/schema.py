"""OpenAPI generation: every operation documents the error shape for the statuses it can return."""

from drf_spectacular.openapi import AutoSchema

from rectify.api_errors import ErrorSerializer

# 401 anonymous, 403 role refused, 404 another unit's object (or a page past the end).
COMMON_ERRORS = ("401", "403", "404")


class RectifyAutoSchema(AutoSchema):
    def _get_paginator(self):
        # Only list reads are paginated; an upload answering with a plain list of what it stored is not.
        return super()._get_paginator() if self.method == "GET" else None

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = list(COMMON_ERRORS)
        if self.method != "GET" or self._is_list_view():
            codes.append("400")  # bad body, or a bad filter value
        if self.method in ("POST", "PATCH"):
            codes.append("409")  # stale version, closed task
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return dict(sorted(responses.items()))
