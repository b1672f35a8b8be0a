# Shared helpers for scripts/test.sh and scripts/run.sh: logging, the repo root, and the
# project virtualenv (created and kept in step with pyproject.toml). Source it; do not run it.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV_DIR="$REPO_ROOT/.venv"
VENV_PY="$VENV_DIR/bin/python"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# The project pins requires-python ">=3.11,<3.12", so refuse any other interpreter rather than
# building a venv that pip will later reject.
find_python311() {
    local candidate
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# Several engineers (and CI) run these scripts at once from the same tree; a per-tree lock stops
# two pip installs from racing in one .venv. The lock lives in /tmp so it never shows up in git.
_lock_path() {
    printf '/tmp/rectify-%s-%s.lock' "$1" "$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)"
}

# ensure_venv [extra ...]: create .venv if needed and install the pinned dependencies of
# pyproject.toml (plus the named optional-dependency groups). A stamp per group records the hash
# of pyproject.toml, so a second run with unchanged pins costs well under a second.
ensure_venv() {
    local extras=("$@") py stamp_key stamp_file lock_fd req
    local hash
    hash="$(cat "$REPO_ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    stamp_key="base${extras[*]:+-}$(IFS=-; echo "${extras[*]}")"
    stamp_file="$VENV_DIR/.deps-$stamp_key.sha256"

    if [[ -x "$VENV_PY" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$hash" ]]; then
        return 0
    fi

    exec {lock_fd}>"$(_lock_path venv)"
    flock "$lock_fd"
    # Re-check under the lock: another copy of this script may have just finished the work.
    if [[ -x "$VENV_PY" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$hash" ]]; then
        exec {lock_fd}>&-
        return 0
    fi

    if [[ ! -x "$VENV_PY" ]] || ! "$VENV_PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        py="$(find_python311)" || die "Python 3.11 not found (need python3.11 or a python3 that is 3.11)."
        log "Creating $VENV_DIR with $py"
        rm -rf "$VENV_DIR"
        "$py" -m venv "$VENV_DIR" ||
            die "python -m venv failed; on Debian install python3-venv (apt-get install python3-venv)."
    fi

    # Install the pinned requirements directly instead of 'pip install -e .': the project has no
    # importable package to install (packages = []), and this leaves no egg-info in the tree.
    req="$(mktemp /tmp/rectify-requirements.XXXXXX)"
    "$VENV_PY" - "$REPO_ROOT/pyproject.toml" "${extras[@]}" >"$req" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as fh:
    project = tomllib.load(fh)["project"]
requirements = list(project["dependencies"])
for extra in sys.argv[2:]:
    requirements += project.get("optional-dependencies", {})[extra]
print("\n".join(requirements))
PY
    log "Installing pinned dependencies (${stamp_key}) into .venv"
    # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: the browser tests use Debian's chromium, never a download.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$VENV_PY" -m pip install --quiet --disable-pip-version-check -r "$req" ||
        { rm -f "$req"; die "pip install failed (see above)."; }
    rm -f "$req"
    # The test group includes the base dependencies, so it satisfies the base stamp too.
    printf '%s' "$hash" >"$stamp_file"
    [[ "$stamp_key" == base ]] || printf '%s' "$hash" >"$VENV_DIR/.deps-base.sha256"
    exec {lock_fd}>&-
}

# compile_messages: build .mo files when the project has translations and gettext is present.
# Django skips catalogs whose .mo is already newer than the .po, so this is cheap and safe to run
# from concurrent copies. Missing gettext or no locale/ dir is not an error: the UI falls back to
# the source strings.
compile_messages() {
    if [[ -d "$REPO_ROOT/locale" ]] && command -v msgfmt >/dev/null 2>&1; then
        # compilemessages needs no database or secret, but settings refuse to load without a
        # SECRET_KEY when DEBUG is off: give this one command a throwaway key if none is set.
        (cd "$REPO_ROOT" && SECRET_KEY="${SECRET_KEY:-compilemessages-only}" \
            "$VENV_PY" manage.py compilemessages --ignore '.venv' >/dev/null)
    fi
}
