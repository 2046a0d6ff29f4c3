#!/usr/bin/env bash
# Creates .venv and installs the SDK, server and CLI (editable); --dev adds test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-sandbox.sh
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
[ -x .venv/bin/uv ] || .venv/bin/python -m pip install --quiet --disable-pip-version-check uv 2>/dev/null
extra=()
[ "${1:-}" = "--dev" ] && extra=(-r requirements-dev.txt)
.venv/bin/uv pip install --quiet --python .venv/bin/python -c constraints.txt \
    -e sdk -e server -e cli "${extra[@]}"
