"""Pagination of the API lists; clients may ask for up to 200 rows a page.

Most lists use page numbers with an exact count. The task list (a province holds a million tasks) uses
inspections.paging like the HTML list: `count` is exact up to 10,000 and then capped (`count_capped`
is true), page numbers work while they stay under the cap, and `next`/`previous` carry a keyset cursor
(`after=` / `before=`) beyond it, so a deep page costs what the first one costs (issue 19).
"""

import math

from django.db.models import Count
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from ..paging import capped_counts, list_page


class ApiPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class CappedKeysetPagination(ApiPagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        per_page = self.get_page_size(request) or self.page_size
        counts = capped_counts(queryset.values("pk"), {"total": Count("pk")})
        self._check_page_number(request, per_page, counts)
        self.page = list_page(
            queryset, request.query_params, per_page=per_page, total=counts["total"], capped=counts["capped"]
        )
        return list(self.page.object_list)

    def _check_page_number(self, request, per_page, counts):
        """A client's `page=` past the end or not a positive number is a 404, as on every other API list
        (the HTML list shows the nearest page instead; a keyset cursor is never checked here)."""
        raw = request.query_params.get(self.page_query_param)
        if raw is None or raw == "last":
            return
        try:
            number = int(raw)
        except ValueError:
            raise NotFound(self.invalid_page_message.format(page_number=raw, message="")) from None
        last = max(1, math.ceil(counts["total"] / per_page))
        if number < 1 or (not counts["capped"] and number > last):
            raise NotFound(self.invalid_page_message.format(page_number=raw, message=""))

    def _link(self, key):
        query = self.page.queries.get(key)
        return self.request.build_absolute_uri(self.request.path + query) if query else None

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_capped": self.page.paginator.capped,
                "next": self._link("next"),
                "previous": self._link("previous"),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            "符合条件的项数；超过 10000 项时为 10000（count_capped 为 true）"
        )
        response["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "项数超过 10000，count 不是准确数字",
        }
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for name, description in (
            ("after", "游标：从此位置之后继续（取自 next 链接）"),
            ("before", "游标：此位置之前的一页（取自 previous 链接）"),
        ):
            parameters.append(
                {
                    "name": name,
                    "required": False,
                    "in": "query",
                    "description": description,
                    "schema": {"type": "string"},
                }
            )
        return parameters
