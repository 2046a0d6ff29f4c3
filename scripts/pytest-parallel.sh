#!/usr/bin/env bash
# pytest-parallel.sh PYTHON [PYTEST ARGS...]: pytest on PYTHON, its test files spread over
# PYTEST_WORKERS processes (default 2), each file whole in one process (--dist loadfile), so
# that a module's shared server and workers stay with its tests. PYTEST_WORKERS=0 runs every
# test in this process, as plain pytest does.
set -euo pipefail
python=$1
shift
exec "$python" -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile "$@"
