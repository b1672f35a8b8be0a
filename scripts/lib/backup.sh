# Shared by scripts/backup.sh and scripts/restore.sh: file names, where the evidence lives, and
# which PostgreSQL client to use. Source after common.sh; do not run it.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

DB_FILE="database.dump"
MEDIA_FILE="media.tar.gz"
SUMS_FILE="SHA256SUMS"

require_database_url() {
    case "${DATABASE_URL:-}" in
        postgres://* | postgresql://*) ;;
        "") die "DATABASE_URL is not set (postgres://user:pass@host:5432/db)." ;;
        *) die "DATABASE_URL must point at PostgreSQL; the SQLite quick-start has no backup script." ;;
    esac
}

# Same default as rectify/settings.py: MEDIA_ROOT, else $RECTIFY_VAR_DIR/media, else var/media.
media_root() {
    echo "${MEDIA_ROOT:-${RECTIFY_VAR_DIR:-$REPO_ROOT/var}/media}"
}

# pg_tool NAME: PG_BIN/NAME if set, else the newest installed server's (pg_dump must not be older
# than the server), else NAME on PATH.
pg_tool() {
    local dir
    if [[ -n "${PG_BIN:-}" ]]; then
        dir="$PG_BIN"
    else
        dir="$(pg_bindir 2>/dev/null || true)"
    fi
    if [[ -n "$dir" && -x "$dir/$1" ]]; then
        echo "$dir/$1"
    elif command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
    else
        die "$1 not found: install the PostgreSQL client (postgresql-client) or set PG_BIN."
    fi
}
