"""Database functions that behave the same on PostgreSQL (the product) and SQLite (quick start)."""
from django.db.models import Func, IntegerField


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
