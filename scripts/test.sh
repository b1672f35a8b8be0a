#!/usr/bin/env bash
# The one test command, on a fresh Debian 12 machine or a developer's: installs what is missing,
# starts a private PostgreSQL and Redis on free ports, runs pytest against them, cleans up.
#   bash scripts/test.sh [pytest args...]      e.g. bash scripts/test.sh tests/browser -x
# Safe to run several copies at once: each gets its own temp dir, ports and database server.
# Everything runs inside main(), so bash has parsed the whole file before starting: editing or
# checking out this file while a run is in progress cannot change what that run executes.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
cd "$REPO_ROOT"

# --- System packages ----------------------------------------------------------------------
# The suite runs on the real stack: PostgreSQL, Redis, Debian's Chromium (Playwright never
# downloads a browser), CJK fonts so Chinese renders in screenshots, LibreOffice to check that
# exported workbooks open. Install whatever is missing, but only as root.
missing_packages() {
    local pkgs=() py
    pg_bindir >/dev/null 2>&1 || pkgs+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
    command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
    command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 || pkgs+=(libreoffice-calc-nogui)
    command -v fc-list >/dev/null 2>&1 || pkgs+=(fontconfig)
    # pdftotext: the supervision tests read the text of the PDF LibreOffice makes of a generated .docx.
    command -v pdftotext >/dev/null 2>&1 || pkgs+=(poppler-utils)
    # ... and LibreOffice needs its Writer to open a .docx (the calc package alone refuses it).
    [[ -e /usr/lib/libreoffice/program/libswlo.so ]] || pkgs+=(libreoffice-writer-nogui)
    # No 'grep -q' here: it would exit early, fc-list would get SIGPIPE and pipefail says "missing".
    { command -v fc-list >/dev/null 2>&1 && fc-list : family | grep -i 'Noto.*CJK' >/dev/null; } ||
        pkgs+=(fonts-noto-cjk)
    # Debian splits venv/ensurepip out of the interpreter package.
    if [[ ! -x "$VENV_PY" ]]; then
        py="$(find_python311 || true)"
        if [[ -n "$py" ]] && ! "$py" -c 'import ensurepip' >/dev/null 2>&1; then
            pkgs+=(python3-venv)
        fi
    fi
    # Only needed to compile translations, and only when the project has them.
    if [[ -d locale ]] && ! command -v msgfmt >/dev/null 2>&1; then
        pkgs+=(gettext)
    fi
    echo "${pkgs[@]}"
}

ensure_system_packages() {
    local pkgs lock_fd
    pkgs="$(missing_packages)"
    [[ -z "$pkgs" ]] && return 0
    if [[ $EUID -ne 0 ]]; then
        die "missing system packages: $pkgs
Install them first (as root): apt-get install -y $pkgs"
    fi
    # One apt run at a time, even across concurrent test runs; recheck once we hold the lock.
    exec {lock_fd}>/tmp/rectify-apt.lock
    flock "$lock_fd"
    pkgs="$(missing_packages)"
    if [[ -n "$pkgs" ]]; then
        log "Installing system packages: $pkgs"
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        # shellcheck disable=SC2086 # word-splitting the package list is intended
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $pkgs >/dev/null
        pkgs="$(missing_packages)"
        [[ -z "$pkgs" ]] || die "still missing after apt-get install: $pkgs"
    fi
    exec {lock_fd}>&-
}

# A second Ctrl-C or TERM must not cut the cleanup short.
cleanup() {
    trap '' INT TERM
    stop_services
}

main() {
    local t_start t_installed t_services t_end rc
    t_start=$SECONDS
    ensure_system_packages
    ensure_venv test
    compile_messages
    t_installed=$SECONDS
    log "Install check done in $((t_installed - t_start))s"

    # --- Services -----------------------------------------------------------------------------
    # Cleanup runs on every exit path: success, failure, Ctrl-C, TERM (and the watchdog covers
    # SIGKILL).
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    start_private_postgres
    start_redis
    t_services=$SECONDS
    log "PostgreSQL and Redis started in $((t_services - t_installed))s"

    export DEBUG=1
    export SECRET_KEY="test-not-secret-$RANDOM$RANDOM"
    export RECTIFY_VAR_DIR="$RUN_DIR/var"
    export MEDIA_ROOT="$RUN_DIR/var/media"
    export EXPORT_ROOT="$RUN_DIR/var/exports"
    # An existing (empty) STATIC_ROOT keeps whitenoise from warning in every live-server test;
    # in DEBUG the static files are served from the app and static/ dirs by the finders.
    export STATIC_ROOT="$RUN_DIR/var/staticfiles"
    export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    # Make sure nothing from the caller's shell points the suite at a real mail server.
    unset EMAIL_HOST EMAIL_BACKEND
    # ... nor at a read replica: tests/integration/test_replica.py starts its own.
    unset DATABASE_REPLICA_URL
    mkdir -p "$RECTIFY_VAR_DIR" "$MEDIA_ROOT" "$EXPORT_ROOT" "$STATIC_ROOT"

    echo "Running tests on PostgreSQL $PG_VERSION at 127.0.0.1:$PG_PORT (Redis at 127.0.0.1:$REDIS_PORT)"

    # --- Lint: style and the layout's import contracts fail the run before any test does ------
    # (RECTIFY_SKIP_LINT=1 skips them for a quick partial run while developing.)
    if [[ -z "${RECTIFY_SKIP_LINT:-}" ]]; then
        "$VENV_DIR/bin/ruff" check . || { echo "FAILED: ruff check (run: .venv/bin/ruff check --fix .)" >&2; exit 1; }
        "$VENV_DIR/bin/ruff" format --check . ||
            { echo "FAILED: ruff format (run: .venv/bin/ruff format .)" >&2; exit 1; }
        "$VENV_DIR/bin/lint-imports" --no-cache ||
            { echo "FAILED: an import contract of pyproject.toml is broken (see above)" >&2; exit 1; }
    fi

    # --- Tests --------------------------------------------------------------------------------
    set +e
    "$VENV_PY" -m pytest "$@"
    rc=$?
    set -e
    t_end=$SECONDS

    if [[ $rc -eq 5 ]]; then
        echo "FAILED: pytest collected no tests (exit code 5); check the paths and -k/-m filters." >&2
    fi
    echo "Timing: install $((t_installed - t_start))s, services $((t_services - t_installed))s," \
        "tests $((t_end - t_services))s, total $((t_end - t_start))s; pytest exit code $rc"
    exit "$rc"
}

main "$@"
