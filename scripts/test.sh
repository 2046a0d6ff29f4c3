#!/usr/bin/env bash
# Runs every check CI runs: formatting, lint, types, import layers, then the test suite
# against SQLite and PostgreSQL. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
echo "== ruff format --check"; $bin/ruff format --check --quiet .
echo "== ruff check"; $bin/ruff check --quiet .
echo "== mypy"; $bin/mypy sdk/src server/src cli/src
echo "== import layers"; $bin/lint-imports --no-cache
echo "== postgresql"; scripts/ensure-postgres.sh
echo "== pytest"; $bin/pytest "$@"
