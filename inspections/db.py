"""Database functions that behave the same on PostgreSQL (the product) and SQLite (quick start)."""

from django.db.models import Func, IntegerField, Lookup


class DaysBetween(Func):
    """Whole calendar days from `start` to `end` (end - start) as an integer."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="((%(expressions)s))", arg_joiner="::date - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND(julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


class InSubquery(Lookup):
    """`column IN (subquery)`, written `column = ANY(ARRAY(subquery))` on PostgreSQL.

    The two mean the same, but PostgreSQL runs the ARRAY form once as an InitPlan and can then read
    the column's index, also inside an OR (a BitmapOr of two index scans); `IN (subquery)` inside an
    OR becomes a hashed subplan tested against every row of a full table scan. Used as a filter
    expression: `queryset.filter(InSubquery(F("lead_unit"), units.values("pk")))`.
    """

    lookup_name = "in_subquery"
    prepare_rhs = False

    def as_sql(self, compiler, connection, template="{lhs} IN {rhs}"):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)  # "(SELECT ...)"
        return template.format(lhs=lhs, rhs=rhs), [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, template="{lhs} = ANY(ARRAY{rhs})")
