#!/usr/bin/env bash
# Run once by the postgres image when it initialises the primary's data directory
# (/docker-entrypoint-initdb.d): lets the db-replica service stream WAL from this server.
# An existing data directory is not re-initialised: add the pg_hba.conf line by hand (README, "Read replica").
set -euo pipefail
# wal_level = replica and max_wal_senders = 10 are PostgreSQL 15's defaults; keep WAL for a replica that
# restarts (its replication slot keeps the rest).
cat >>"$PGDATA/pg_hba.conf" <<HBA
# db-replica streams WAL as the application's role, with its password, over the compose network.
host replication ${POSTGRES_USER} all scram-sha-256
HBA
cat >>"$PGDATA/postgresql.conf" <<CONF
wal_keep_size = 1GB
CONF
