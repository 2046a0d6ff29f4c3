#!/usr/bin/env bash
# Prints the path of a Python 3.13 interpreter (the second Python the tests run on), or says
# where it looked and exits 1. Looks at PYTHON_3_13 when set, then pyenv's versions (newest
# patch first; pyenv's shims fail for a version that is not selected), then uv's discovery.
set -euo pipefail
cd "$(dirname "$0")/.."

# A regular (not free-threaded) CPython 3.13 that starts.
is_3_13() {
    "$1" -c 'import sys, sysconfig; sys.exit(sys.version_info[:2] != (3, 13) or bool(sysconfig.get_config_var("Py_GIL_DISABLED")))' \
        >/dev/null 2>&1
}

if [ -n "${PYTHON_3_13:-}" ]; then
    is_3_13 "$PYTHON_3_13" && { echo "$PYTHON_3_13"; exit 0; }
    echo "PYTHON_3_13=$PYTHON_3_13 is not a Python 3.13 that runs" >&2
    exit 1
fi
pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
candidates=()
while IFS= read -r found; do
    candidates+=("$found")
done < <(ls -d "$pyenv_root"/versions/3.13*/bin/python3.13 2>/dev/null | sort -V -r)
uv=$(command -v .venv/bin/uv || command -v uv || true)
if [ -n "$uv" ]; then
    candidates+=("$("$uv" python find --no-project 3.13 2>/dev/null || true)")
fi
candidates+=("$(command -v python3.13 || true)")
for candidate in "${candidates[@]}"; do
    [ -n "$candidate" ] && is_3_13 "$candidate" && { echo "$candidate"; exit 0; }
done
echo "no Python 3.13 found (looked at \$PYTHON_3_13, $pyenv_root/versions/3.13*," \
    "'uv python find 3.13' and python3.13 on PATH)" >&2
exit 1
