"""Database helpers that must mean the same on PostgreSQL and SQLite."""

import pytest
from django.db import connection
from django.db.models import F

from accounts.models import Unit
from inspections.db import InSubquery

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    root = Unit.objects.create(name="市生态环境局", code="ROOT")
    town = Unit.objects.create(name="南山镇", code="NS", parent=root)
    village = Unit.objects.create(name="南山村", code="NSC", parent=town)
    other = Unit.objects.create(name="北山镇", code="BS", parent=root)
    return root, town, village, other


def test_in_subquery_selects_the_subquerys_rows(units):
    root, town, village, other = units
    subtree = Unit.objects.subtree_of(town).values("pk")

    selected = Unit.objects.filter(InSubquery(F("pk"), subtree))

    assert set(selected) == {town, village}
    assert set(Unit.objects.exclude(InSubquery(F("pk"), subtree))) == {root, other}


def test_in_subquery_combines_with_or(units):
    root, town, village, other = units
    either = Unit.objects.filter(
        InSubquery(F("pk"), Unit.objects.filter(code="BS").values("pk"))
        | InSubquery(F("parent"), Unit.objects.filter(code="NS").values("pk"))
    )
    assert set(either) == {other, village}


def test_postgresql_reads_the_subquery_as_an_array_other_databases_as_in(units):
    subtree = Unit.objects.subtree_of(units[1]).values("pk")
    queryset = Unit.objects.filter(InSubquery(F("parent"), subtree))
    compiler = queryset.query.get_compiler(connection=connection)
    lookup = InSubquery(F("parent"), subtree).resolve_expression(queryset.query)

    generic_sql, _params = lookup.as_sql(compiler, connection)

    assert " IN (SELECT " in generic_sql
    if connection.vendor == "postgresql":
        sql, _params = queryset.query.sql_with_params()
        assert "= ANY(ARRAY(SELECT " in sql
