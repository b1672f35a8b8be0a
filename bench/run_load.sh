#!/usr/bin/env bash
# Load test: locust (50 users, 2 minutes, headless) against gunicorn (DEBUG=0) + a throwaway PostgreSQL
# holding the demo plus 100,000 tasks, and Redis (big exports queue there; no worker is started, so they
# stay queued — their 302 is what the test counts). Everything listens on 127.0.0.1 only and is removed
# on exit. Fails (exit 1) if any request failed. Usage: bash bench/run_load.sh [USERS] [DURATION]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/bench.sh"
cd "$REPO_ROOT"
USERS="${1:-50}"
DURATION="${2:-2m}"
TASKS="${LOAD_TASKS:-100000}"
GUNICORN_PID=""
cleanup() {
    if [[ -n "$GUNICORN_PID" ]]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
    stop_services
}
unset DATABASE_URL  # its own database: the run adds load-test users
bench_setup
trap cleanup EXIT
start_redis
export STATIC_ROOT="$RUN_DIR/static"
export DEBUG=0 SECRET_KEY="load-test-$(date +%s%N)-not-a-production-key" ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0
export AXES_FAILURE_LIMIT=1000  # every simulated user logs in from 127.0.0.1
PY="$VENV_PY"

log "Migrating, seeding the demo and $TASKS tasks"
"$PY" manage.py migrate -v0
"$PY" manage.py seed_demo >/dev/null
"$PY" manage.py seed_demo --tasks "$TASKS" --seed 1 >/dev/null
"$PY" manage.py collectstatic --noinput -v0

LOAD_PASSWORD="Load-$(date +%s)-Pw!"
export LOAD_PASSWORD
# 10 bureau staff, 10 leaders, 20 unit users: each unit user on a different unit (those leading most tasks),
# so two simulated people never report on the same task at once.
LOAD_USERS="$("$PY" manage.py shell -c "
import os
from django.db.models import Count
from accounts.choices import Role
from accounts.models import Unit
from accounts.services import user_create, user_role_group_sync
pw = os.environ['LOAD_PASSWORD']
def make(name, role, unit):
    user = user_create(username=name, password=pw, role=role, unit=unit, full_name=name)
    user_role_group_sync(user)
    return name
root = Unit.objects.filter(parent__isnull=True).first()
units = list(Unit.objects.annotate(n=Count('led_tasks')).filter(n__gt=0).order_by('-n')[:20])
bureau = [make(f'load_bureau_{i}', Role.BUREAU, root) for i in range(10)]
leader = [make(f'load_leader_{i}', Role.LEADER, None) for i in range(10)]
unit = [make(f'load_unit_{i}', Role.UNIT, u) for i, u in enumerate(units)]
print('bureau:' + ','.join(bureau) + ';leader:' + ','.join(leader) + ';unit:' + ','.join(unit))
" | tail -1)"
export LOAD_USERS

PORT="$(free_port)"
log "gunicorn on 127.0.0.1:$PORT (3 workers x 2 threads)"
# --keep-alive longer than any simulated user's pause: with gunicorn's default 2 s, the server closed idle
# connections just as a user (1-3 s pauses) sent its next request on it -> connection errors (status 0).
"$VENV_DIR/bin/gunicorn" rectify.wsgi -w 3 --threads 2 -b "127.0.0.1:$PORT" --timeout 60 --keep-alive 30 \
    --access-logfile /dev/null --error-logfile "$RUN_DIR/gunicorn.log" &
GUNICORN_PID=$!
for i in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" 2>/dev/null && break
    sleep 0.2
done

OUT="${LOAD_OUT:-$REPO_ROOT/test-artifacts/load}"
mkdir -p "$OUT"
log "locust: $USERS users, $DURATION (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
status=0
"$VENV_DIR/bin/locust" -f bench/locustfile.py --headless -u "$USERS" -r 10 -t "$DURATION" \
    --stop-timeout 30 \
    --host "http://127.0.0.1:$PORT" --csv "$OUT/load" --only-summary >"$OUT/locust.log" 2>&1 || status=$?
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$OUT/load_stats.csv" "$LOAD_AFTER" "$(nproc)" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"Load average at the end (1/5/15 min): {sys.argv[2]} on {sys.argv[3]} cores")
print(f"| {'page':<15}| {'requests':>8} | {'failures':>8} | {'req/s':>6} | {'median ms':>9} | {'p95 ms':>7} |")
for r in rows:
    print(f"| {r['Name']:<15}| {r['Request Count']:>8} | {r['Failure Count']:>8} | {float(r['Requests/s']):>6.2f} |"
          f" {float(r['Median Response Time']):>9.0f} | {float(r['95%']):>7.0f} |")
PYEOF
failures="$(awk -F, 'NR>1 && $2=="Aggregated" {print $4}' "$OUT/load_stats.csv")"
if [[ "$status" -ne 0 || "${failures:-1}" != "0" ]]; then
    log "FAILED: $failures failed requests (locust exit $status); see $OUT/locust.log, $OUT/load_failures.csv"
    cat "$OUT/load_failures.csv" >&2 || true
    cp "$RUN_DIR/gunicorn.log" "$OUT/" 2>/dev/null || true
    grep -v "Booting worker" "$RUN_DIR/gunicorn.log" | tail -20 >&2 || true
    exit 1
fi
log "OK: zero errors"
