"""Lists that do not count the world (issue 19): a capped count and keyset pages.

A list page reads two things whatever the size of the filtered set:
- `capped_counts`: one grouped query over at most COUNT_CAP + 1 rows of the set, giving the total and the
  figures of the rows (complete, overdue); beyond the cap the page says "10,000+ 项" instead of counting a
  million rows on every page;
- `list_page`: the shown rows plus one (to know whether there is a next page). The links use page numbers
  (OFFSET) for the first OFFSET_LIMIT rows; past them they carry a keyset cursor, the sort key of the last
  (or first) row shown, so page 5,000 costs what page 1 costs. 末页 reads the order backwards.

The order is made total by appending the primary key, so rows that tie on the visible sort key (the same
deadline, the same unit) are neither skipped nor repeated across pages.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections
from django.db.models import F, Field, Func, Q, Value
from django.http import QueryDict

COUNT_CAP = 10_000
# Page numbers are served with OFFSET up to this many rows; the links past it carry a keyset cursor. An
# OFFSET walks every skipped row (page 500 of the default order: ~10,000 index probes, 160-300 ms at 300k).
OFFSET_LIMIT = 1_000
POSITION_PARAMS = ("page", "after", "before", "last")


def capped_counts(queryset, aggregates: dict, *, cap: int | None = None) -> dict:
    """`aggregates` (each a Count(..., filter=...) or similar) over at most cap + 1 rows, in one query.

    Returns the aggregates plus `capped`: True when the set holds more than `cap` rows, in which case
    `total` is `cap` and the other figures cover only part of the set (the page must not show them).
    """
    cap = COUNT_CAP if cap is None else cap
    counts = queryset.order_by()[: cap + 1].aggregate(**aggregates)
    counts["capped"] = counts.get("total", 0) > cap
    if counts["capped"]:
        counts["total"] = cap
    return counts


def ordering_of(queryset) -> list[str]:
    """The queryset's order as field paths ("-deadline"), made total with the primary key."""
    # Field paths only: an expression in the order (none of our lists has one) cannot be written in a cursor.
    order = [o for o in (queryset.query.order_by or queryset.model._meta.ordering or ()) if isinstance(o, str)]
    if not any(o.lstrip("-") in ("pk", "id") for o in order):
        order.append("pk")
    return order


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _nullable(model, path: str) -> bool:
    """Whether the column a field path ends on can be NULL (a nullable column, or one behind a nullable join)."""
    if path in ("pk", "id"):
        return False
    for part in path.split("__"):
        try:
            model_field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return True
        if model_field.null:
            return True
        model = getattr(model_field, "related_model", None) or model
    return False


def _value_of(obj, path: str):
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, "pk" if part == "pk" else part)
    return value


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(obj, order: list[str]) -> str:
    values = [_jsonable(_value_of(obj, name.lstrip("-"))) for name in order]
    raw = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, order: list[str]) -> list | None:
    """The cursor's values, or None for a cursor that is not one of ours (or from another order)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != len(order):
        return None
    # Only what encode_cursor writes: text (dates, names), whole numbers, NULL. A forged true or 1.5 would
    # otherwise reach the row comparison as a value of another type (a database error, not "no such page").
    if any(not (v is None or isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))) for v in values):
        return None
    if any(isinstance(v, int) and abs(v) >= 2**63 for v in values):
        return None
    return values


def after_q(model, order: list[str], values: list) -> Q | None:
    """Rows strictly after `values` in `order` (PostgreSQL: NULLs last ascending, first descending).

    Lexicographic: (k1 after v1) or (k1 = v1 and k2 after v2) or ...; the leading key is also bounded on
    its own (k1 >= v1) so the database starts from an index position instead of filtering from the top.
    Returns None when nothing can follow.
    """
    alternatives = []
    equal = Q()
    for name, value in zip(order, values, strict=True):
        path, descending = name.lstrip("-"), name.startswith("-")
        nullable = _nullable(model, path)
        if value is None:
            step = Q(**{f"{path}__isnull": False}) if descending else None
            same = Q(**{f"{path}__isnull": True})
        else:
            step = Q(**{f"{path}__{'lt' if descending else 'gt'}": value})
            if nullable and not descending:
                step |= Q(**{f"{path}__isnull": True})
            same = Q(**{path: value})
        if step is not None:
            alternatives.append(equal & step)
        equal &= same
    if not alternatives:
        return None
    condition = Q()
    for alternative in alternatives:
        condition |= alternative
    lead, lead_value = order[0].lstrip("-"), values[0]
    if lead_value is not None:
        bound = Q(**{f"{lead}__{'lte' if order[0].startswith('-') else 'gte'}": lead_value})
        if _nullable(model, lead) and not order[0].startswith("-"):
            bound |= Q(**{f"{lead}__isnull": True})
        condition &= bound
    return condition


class Row(Func):
    """A row value, `(a, b)`: PostgreSQL compares rows lexicographically and uses a composite index for it."""

    template = "(%(expressions)s)"
    output_field = Field()


def _relation(path: str) -> str:
    return path.rsplit("__", 1)[0] if "__" in path else ""


def row_bound(model, order: list[str], values: list):
    """`(k1, k2, ...) >= (v1, v2, ...)` over the leading keys that one composite index can serve: the same
    direction, the same table, never NULL. With the default order (the finding's round and number) this is
    the Index Cond that starts the scan at the cursor instead of filtering every row before it."""
    keys = []
    for name, value in zip(order, values, strict=True):
        path = name.lstrip("-")
        if value is None or _nullable(model, path):
            break
        if keys and (name.startswith("-") != order[0].startswith("-") or _relation(path) != _relation(keys[0][0])):
            break
        keys.append((path, value))
    if len(keys) < 2:
        return None
    lookup = "lte" if order[0].startswith("-") else "gte"
    return Row(*[F(path) for path, _value in keys]), Row(*[Value(value) for _path, value in keys]), lookup


def _keyset_filter(queryset, order: list[str], values: list):
    """The rows after `values` in `order`, or None if nothing can follow."""
    condition = after_q(queryset.model, order, values)
    if condition is None:
        return None
    bound = row_bound(queryset.model, order, values)
    if bound is not None:
        left, right, lookup = bound
        queryset = queryset.alias(_keyset_row=left).filter(**{f"_keyset_row__{lookup}": right})
    return queryset.filter(condition)


def _positive_int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


@dataclass
class Paginator:
    """What templates and tests read of the whole list: `count` (capped at COUNT_CAP) and `num_pages`."""

    count: int
    capped: bool
    per_page: int

    @property
    def num_pages(self) -> int | None:
        if self.capped:
            return None
        return max(1, -(-self.count // self.per_page))


@dataclass
class ListPage:
    object_list: list
    paginator: Paginator
    number: int | None  # None on a keyset page (its position is the cursor, not a number)
    has_next: bool
    has_previous: bool
    queries: dict = field(default_factory=dict)  # first / previous / next / last: the query string, or ""

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def _query(params: QueryDict, **changes) -> str:
    params = params.copy()
    for key in POSITION_PARAMS:
        params.pop(key, None)
    for key, value in changes.items():
        if value not in (None, ""):
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def list_page(queryset, params: QueryDict, *, per_page: int, total: int, capped: bool) -> ListPage:
    """The page the query string asks for: `page=N` (OFFSET, bounded by the cap), `after=`/`before=` (a keyset
    cursor from a link), `last=1` (the end, read backwards). Malformed positions fall back to the first page."""
    order = ordering_of(queryset)
    ordered = queryset.order_by(*order)
    paginator = Paginator(count=total, capped=capped, per_page=per_page)
    number = None
    rows, has_next, has_previous = None, False, False

    def cursor_values(key):
        token = params.get(key)
        values = decode_cursor(token, order) if token else None
        return values

    after, before = cursor_values("after"), cursor_values("before")
    try:
        if after is not None:
            following = _keyset_filter(ordered, order, after)
            fetched = list(following[: per_page + 1]) if following is not None else []
            rows, has_next, has_previous = fetched[:per_page], len(fetched) > per_page, True
        elif before is not None:
            reverse = [_flip(o) for o in order]
            preceding = _keyset_filter(queryset.order_by(*reverse), reverse, before)
            fetched = list(preceding[: per_page + 1]) if preceding is not None else []
            rows, has_previous, has_next = fetched[:per_page][::-1], len(fetched) > per_page, True
    except (ValueError, TypeError, ValidationError):
        rows = None  # a cursor forged with values of the wrong type: the first page instead of a 500
    if rows is None and params.get("last"):
        # Read backwards. With an exact count the last page holds the remainder, so it lines up with the
        # numbered pages before it (第 3 / 3 页 is the same rows whichever link led there).
        size = per_page if capped else (total - (paginator.num_pages - 1) * per_page) or per_page
        fetched = list(queryset.order_by(*[_flip(o) for o in order])[: size + 1])
        rows, has_previous, has_next = fetched[:size][::-1], len(fetched) > size, False
        number = paginator.num_pages if not capped else None
    if rows is None:
        number = _positive_int(params.get("page")) or 1
        if not capped:
            number = min(number, paginator.num_pages)
        offset = (number - 1) * per_page
        fetched = list(ordered[offset : offset + per_page + 1])
        if not fetched and number > 1:  # past the end (the set shrank): the first page, not an empty one
            number, fetched = 1, list(ordered[: per_page + 1])
        rows, has_next, has_previous = fetched[:per_page], len(fetched) > per_page, number > 1
    page = ListPage(object_list=rows, paginator=paginator, number=number, has_next=has_next, has_previous=has_previous)
    page.queries = _links(page, params, order)
    return page


def _links(page: ListPage, params: QueryDict, order: list[str]) -> dict:
    rows, per_page = page.object_list, page.paginator.per_page
    numbered_limit = max(1, min(COUNT_CAP, OFFSET_LIMIT) // per_page)  # pages linked with a bounded OFFSET
    links = {"first": "", "previous": "", "next": "", "last": ""}
    if page.has_previous:
        links["first"] = _query(params)
        if page.number is not None and page.number - 1 <= numbered_limit:
            links["previous"] = _query(params, page=page.number - 1 if page.number > 2 else None)
        elif rows:
            links["previous"] = _query(params, before=encode_cursor(rows[0], order))
    if page.has_next:
        if page.number is not None and page.number < numbered_limit:
            links["next"] = _query(params, page=page.number + 1)
        elif rows:
            links["next"] = _query(params, after=encode_cursor(rows[-1], order))
        links["last"] = _query(params, last=1)
    return links


def capped_counts_each(querysets: dict, *, cap: int) -> dict[str, int]:
    """The number of rows of each queryset, each counted over at most cap + 1 rows, in one statement.

    `{key: n}` with n <= cap + 1: a count above `cap` means "more than cap" and is said so ("999+").
    """
    if not querysets:
        return {}
    parts, params, using = [], [], None
    for index, queryset in enumerate(querysets.values()):
        using = using or queryset.db
        sql, part_params = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{index})")
        params.extend(part_params)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))
