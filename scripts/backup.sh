#!/usr/bin/env bash
# Back up the ledger: the PostgreSQL database (pg_dump custom format) and the evidence folder
# (MEDIA_ROOT, as a tar.gz) into one new timestamped folder, with a checksum file.
#   DATABASE_URL=postgres://user:pass@host:5432/db MEDIA_ROOT=/data/media bash scripts/backup.sh [DEST]
# DEST defaults to $BACKUP_DIR, else ./backups. Prints the folder written; exits non-zero on any
# failure, and a failed run leaves only a "*.partial" folder behind. See docs/backup.md.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/backup.sh"

dest_root="${1:-${BACKUP_DIR:-$PWD/backups}}"
require_database_url
media_root="$(media_root)"
[[ -d "$media_root" ]] || die "MEDIA_ROOT $media_root is not a directory."
pg_dump="$(pg_tool pg_dump)"

umask 077  # the dump holds every user's data and password hashes
mkdir -p "$dest_root"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
final="$dest_root/rectify-backup-$stamp"
work="$final.partial"
[[ ! -e "$final" && ! -e "$work" ]] || die "$final already exists; wait a second and run again."
mkdir "$work"

log "Dumping the database with $("$pg_dump" --version)"
"$pg_dump" --format=custom --file="$work/$DB_FILE" --dbname="$DATABASE_URL"

log "Archiving evidence files from $media_root"
tar --create --gzip --file="$work/$MEDIA_FILE" --directory="$media_root" .

(cd "$work" && sha256sum "$DB_FILE" "$MEDIA_FILE" >"$SUMS_FILE")
{
    echo "created_at=$stamp"
    echo "pg_dump=$("$pg_dump" --version)"
    echo "media_files=$(find "$media_root" -type f | wc -l)"
} >"$work/MANIFEST"

mv "$work" "$final"
log "Backup complete"
echo "$final"
