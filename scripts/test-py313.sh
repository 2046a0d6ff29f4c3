#!/usr/bin/env bash
# The second Python: the whole SDK suite, the public-style example's tests and the tests marked
# `smoke` (a real server and its workers, a provider build, the CLI) on Python 3.13, in
# .venv-3.13 that `make setup-dev` makes.
# Fails when that environment is missing, unless SKIP_PY313=1 says to test on one Python only.
# `--check` only checks that it is there (scripts/test.sh does, before its long run).
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv-3.13/bin/python
if [ "${SKIP_PY313:-}" = 1 ]; then
    [ "${1:-}" = --check ] || echo "== python 3.13: skipped (SKIP_PY313=1)"
    exit 0
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
    echo "error: $python is missing or is no Python 3.13, so the tests cannot run on 3.13." >&2
    echo "       'make setup-dev' makes it when it finds a Python 3.13 (scripts/find-python-3.13.sh" >&2
    echo "       says where it looks); SKIP_PY313=1 tests on one Python only." >&2
    exit 1
fi
[ "${1:-}" = --check ] && exit 0
echo "== python 3.13: $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
echo "== pytest sdk/tests examples/mycloud-public/tests (3.13)"
scripts/pytest-parallel.sh "$python" sdk/tests examples/mycloud-public/tests
echo "== pytest -m smoke server/tests cli/tests (3.13)"; scripts/pytest-parallel.sh "$python" -m smoke server/tests cli/tests
