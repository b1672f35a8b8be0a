"""Reads that tolerate seconds of lag go to a PostgreSQL streaming replica (`DATABASE_REPLICA_URL`).

The mechanism is opt-in and explicit: a read is sent to the replica only while the code runs inside
`lag_tolerant()` (a context manager and a decorator). It sets a context variable that `ReplicaRouter`
reads; everything else goes to the primary ("default"):

- every write (`db_for_write` is always the primary);
- every read outside `lag_tolerant()`: the workflow, access checks before a write, forms, the job rows
  a Celery task updates;
- a read inside `lag_tolerant()` that happens while the primary's connection is inside a transaction
  (`atomic`): that transaction may have written rows the replica has not seen, so its reads stay with it.

Used by the dashboard's figures, the weekly dispatch report, the ledger export's rows and the unit scores
(their selectors and Celery tasks wrap the reading part). With no replica configured `lag_tolerant()` is a
no-op: the router answers None and Django reads the primary as before.

In tests the replica alias mirrors the default test database (TEST MIRROR), so a configured replica
changes nothing but the alias; tests/integration/test_replica.py starts a real streaming replica.
"""

from contextlib import ContextDecorator, contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction

REPLICA_DB_ALIAS = "replica"

_lag_ok: ContextVar[bool] = ContextVar("rectify_lag_tolerant", default=False)


class lag_tolerant(ContextDecorator):
    """Mark the reads in this block (or function) as tolerating replication lag: they may go to the replica."""

    def _recreate_cm(self):
        # As a decorator: a fresh instance per call, so concurrent and nested calls keep their own token.
        return type(self)()

    def __enter__(self):
        self._token = _lag_ok.set(True)
        return self

    def __exit__(self, *exc):
        _lag_ok.reset(self._token)
        return False


def replica_configured() -> bool:
    return REPLICA_DB_ALIAS in connections.settings


def read_alias() -> str:
    """The alias a lag-tolerant read would use now (the replica, or the primary when it must or there is none)."""
    if not _lag_ok.get() or not replica_configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA_DB_ALIAS


def read_connection():
    """The connection a lag-tolerant read uses now (for SET LOCAL and raw SQL of such reads)."""
    return connections[read_alias()]


class lag_tolerant_atomic(ContextDecorator):
    """`lag_tolerant()` plus one transaction on the connection those reads use (the replica's when there is
    one): for readers that tune their plan with SET LOCAL or need one snapshot for several queries.

    Inside a transaction of the primary it is a savepoint there (the reads stay with the writes)."""

    def _recreate_cm(self):
        return type(self)()

    def __enter__(self):
        self._lag = lag_tolerant()
        self._lag.__enter__()
        self._atomic = transaction.atomic(using=read_alias())
        self._atomic.__enter__()
        return read_connection()

    def __exit__(self, *exc):
        try:
            return self._atomic.__exit__(*exc)
        finally:
            self._lag.__exit__(*exc)


@contextmanager
def whole_result_plan(alias: str):
    """Plan the cursors opened in this block for reading every row, not the first tenth.

    PostgreSQL plans a cursor (Django's `.iterator()` declares one) for `cursor_tuple_fraction` = 0.1 of its
    rows: a nested loop that starts fast instead of the hash join that finishes first. An export reads all
    rows: at 100k tasks the fast-start plan took 86 ms to the whole result's 22 ms. The previous value is
    restored at the end (a session setting: the export runs in autocommit so that its progress is seen).

    bench/bench_export.py at 300,000 tasks (EXPLAIN ANALYZE of the ledger rows' DECLARE, 2026-12-03):
      cursor_tuple_fraction = 0.1: Result -> Incremental Sort (actual time=1790..7259), Execution Time: 7390 ms
      cursor_tuple_fraction = 1:   Incremental Sort (actual time=592..3173),            Execution Time: 3246 ms
    """
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        previous = cursor.fetchone()[0]
        cursor.execute("SET cursor_tuple_fraction = 1")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('cursor_tuple_fraction', %s, false)", [previous])


class ReplicaRouter:
    """DATABASE_ROUTERS entry: lag-tolerant reads to the replica, everything else to the primary."""

    def db_for_read(self, model, **hints):
        alias = read_alias()
        return alias if alias == REPLICA_DB_ALIAS else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: an object read from one may relate to the other's.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A hot standby is read-only; it gets the schema from the primary's WAL.
        return db == DEFAULT_DB_ALIAS
