#!/usr/bin/env bash
# Starts (once) a streaming replica of the test run's throwaway PostgreSQL and prints its port.
# Run by tests/integration/test_replica.py inside a scripts/test.sh run (it reads the TEST_PG_* variables
# that start_postgres exports); the run's stop_services stops it. See start_pg_replica in services.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

PG_BIN="${TEST_PG_BIN:?not inside a scripts/test.sh run}"
PG_DATA="${TEST_PG_DATA:?}"
PG_PORT="${TEST_PG_PORT:?}"
PG_OS_USER="${TEST_PG_OS_USER:-}"
RUN_DIR="$(dirname "$(dirname "$PG_DATA")")"   # $RUN_DIR/pg/data
exec 9>"$RUN_DIR/pg/replica.lock"               # one start at a time (pytest-xdist workers)
flock 9
start_pg_replica
