#!/usr/bin/env bash
# Restore a folder written by scripts/backup.sh: the database into DATABASE_URL (pg_restore
# --clean --if-exists, in one transaction) and the evidence files into MEDIA_ROOT.
#   DATABASE_URL=... MEDIA_ROOT=... bash scripts/restore.sh BACKUP_FOLDER --yes [--keep-extra-files]
# Replaces the tables in DATABASE_URL with the backup's: stop web, worker and beat first. Without
# --yes it only says what it would do. See docs/backup.md.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/backup.sh"

folder="" confirmed=0 keep_extra=0
for arg in "$@"; do
    case "$arg" in
        --yes) confirmed=1 ;;
        --keep-extra-files) keep_extra=1 ;;
        -*) die "unknown option: $arg" ;;
        *) [[ -z "$folder" ]] || die "give one backup folder"; folder="$arg" ;;
    esac
done
[[ -n "$folder" ]] || die "usage: bash scripts/restore.sh BACKUP_FOLDER --yes [--keep-extra-files]"
[[ -f "$folder/$SUMS_FILE" ]] || die "$folder is not a backup folder (no $SUMS_FILE)."
require_database_url
media_root="$(media_root)"
pg_restore="$(pg_tool pg_restore)"

log "Checking the backup's checksums"
(cd "$folder" && sha256sum --quiet --check "$SUMS_FILE") || die "checksums do not match: the backup is damaged."

# Evidence files in MEDIA_ROOT that the backup does not hold (uploaded after it was taken) would have
# no record in the restored database, and the nightly clean-up deletes evidence no record refers to.
# Stop before anything changes unless told to keep them (e.g. after copying them elsewhere).
extra="$(LC_ALL=C comm -23 \
    <(cd "$media_root" 2>/dev/null && find ./evidence -type f 2>/dev/null | LC_ALL=C sort) \
    <(tar --list --gzip --quoting-style=literal --file="$folder/$MEDIA_FILE" | grep '^\./evidence/.*[^/]$' | LC_ALL=C sort))"
if [[ -n "$extra" && $keep_extra -ne 1 ]]; then
    printf '%s\n' "$extra" | head -n 10 >&2
    die "$(printf '%s\n' "$extra" | wc -l) evidence file(s) in $media_root are not in this backup (listed above, at most 10). \
The restored database would not know them and the nightly clean-up would delete them. Move the folder aside \
(mv $media_root $media_root.before-restore) and restore into an empty one, or pass --keep-extra-files."
fi

target="$("$(pg_tool psql)" --dbname="$DATABASE_URL" -Atc 'select current_database()')" ||
    die "cannot connect to DATABASE_URL."
if [[ $confirmed -ne 1 ]]; then
    echo "Would replace database '$target' and add the evidence files to $media_root from $folder."
    echo "Run again with --yes to do it."
    exit 2
fi

log "Restoring database '$target' with $("$pg_restore" --version)"
"$pg_restore" --clean --if-exists --no-owner --no-privileges --single-transaction \
    --dbname="$DATABASE_URL" "$folder/$DB_FILE"

log "Restoring evidence files into $media_root"
mkdir -p "$media_root"
tar --extract --gzip --file="$folder/$MEDIA_FILE" --directory="$media_root" --no-same-owner

log "Restore complete"
