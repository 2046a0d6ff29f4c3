#!/usr/bin/env bash
# Creates .venv and installs the SDK, server and CLI (editable) and pytest, which provider
# projects are tested with; --dev adds the repository's test tools, and
# .venv-3.13, the same on Python 3.13, on which scripts/test.sh runs the SDK suite and the
# smoke tests as well (scripts/find-python-3.13.sh says where it looks for that Python).
# Both build the web console (scripts/ensure-console.sh; nothing to do when it is up to date);
# --dev also installs chromium, which the console's browser tests drive.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-sandbox.sh
scripts/ensure-console.sh
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
[ -x .venv/bin/uv ] || .venv/bin/python -m pip install --quiet --disable-pip-version-check uv 2>/dev/null
install() {  # install PYTHON [REQUIREMENTS...]
    local target=$1
    shift
    .venv/bin/uv pip install --quiet --python "$target" -c constraints.txt -e sdk -e server -e cli "$@"
}
if [ "${1:-}" != "--dev" ]; then
    # pytest too: the quick start's provider project ('pragma providers init') is tested with it.
    install .venv/bin/python pytest
    exit 0
fi
scripts/ensure-chromium.sh
install .venv/bin/python -r requirements-dev.txt
if python313=$(scripts/find-python-3.13.sh); then
    # A venv whose interpreter went away (or is no 3.13) is made anew.
    .venv-3.13/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null \
        || .venv/bin/uv venv --quiet --clear --python "$python313" .venv-3.13
    install .venv-3.13/bin/python -r requirements-dev.txt
elif [ "${SKIP_PY313:-}" = 1 ]; then
    echo "note: no Python 3.13, and SKIP_PY313=1: the tests run on $(.venv/bin/python -V) only." >&2
else
    echo "warning: no Python 3.13, so no .venv-3.13: scripts/test.sh will fail." >&2
    echo "         Install CPython 3.13 (for example 'pyenv install 3.13') or point PYTHON_3_13" >&2
    echo "         at one, then run 'make setup-dev' again; or set SKIP_PY313=1 to test on" >&2
    echo "         $(.venv/bin/python -V) only." >&2
fi
