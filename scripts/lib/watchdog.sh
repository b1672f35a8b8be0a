#!/usr/bin/env bash
# Cleans up after a scripts/test.sh run that died without running its EXIT trap (SIGKILL):
# waits for that process to exit, then stops its PostgreSQL and Redis and removes its temp dir.
# Started by start_watchdog in services.sh:  watchdog.sh OWNER_PID RUN_DIR PG_BIN PG_OS_USER
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

owner_pid="$1"
RUN_DIR="$2"
PG_BIN="$3"
PG_OS_USER="$4"
PG_DATA="$RUN_DIR/pg/data"
REDIS_PIDFILE="$RUN_DIR/redis.pid"

while kill -0 "$owner_pid" 2>/dev/null; do
    sleep 2
done
# Only ever touch our own temp dir: after a normal exit it is already gone and this is a no-op.
[[ "$RUN_DIR" == /tmp/rectify-test.* ]] || exit 0
stop_services
