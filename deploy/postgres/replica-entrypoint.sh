#!/usr/bin/env bash
# The db-replica service: a hot standby streaming from the primary (PRIMARY_HOST, default db).
# First start (empty data directory): pg_basebackup -R copies the primary and writes the standby settings
# (standby.signal, primary_conninfo) with a physical replication slot, so WAL the replica has not yet
# received is kept while it is down. Afterwards: start PostgreSQL on the copy; it reconnects by itself.
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
: "${PRIMARY_HOST:=db}"
: "${REPLICATION_SLOT:=db_replica}"
export PGPASSWORD="${POSTGRES_PASSWORD:?}"

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    until gosu postgres pg_isready -h "$PRIMARY_HOST" -U "$POSTGRES_USER" -q; do sleep 2; done
    # -C creates the slot; a slot left from an earlier replica of the same name is reused.
    gosu postgres pg_basebackup -h "$PRIMARY_HOST" -U "$POSTGRES_USER" -D "$PGDATA" -R -X stream \
        -S "$REPLICATION_SLOT" -C -c fast ||
        gosu postgres pg_basebackup -h "$PRIMARY_HOST" -U "$POSTGRES_USER" -D "$PGDATA" -R -X stream \
            -S "$REPLICATION_SLOT" -c fast
fi
# hot_standby: answer read-only queries while replaying. hot_standby_feedback: the primary's vacuum keeps
# the rows a long read here still sees (an export of every task), instead of that read being cancelled.
# max_standby_streaming_delay: how long replay waits for such a read before cancelling it anyway.
exec gosu postgres postgres -D "$PGDATA" \
    -c hot_standby=on -c hot_standby_feedback=on -c max_standby_streaming_delay=300s
