#!/usr/bin/env bash
# Runs every check CI runs: formatting, lint, types, import layers, then the test suite
# against SQLite and PostgreSQL, then the SDK suite and the smoke tests on Python 3.13
# (scripts/test-py313.sh). Extra arguments go to the first pytest run.
# The test files run in two processes (PYTEST_WORKERS; scripts/pytest-parallel.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-py313.sh --check  # before the long run, not after it
bin=.venv/bin
# The repository's own code only: a provider project made by the README's quick start
# ('pragma providers init' in this folder) is the user's, with its own import sections.
sources=(bench cli conftest.py console/tests examples sdk server testing)
echo "== ruff format --check"; $bin/ruff format --check --quiet "${sources[@]}"
echo "== ruff check"; $bin/ruff check --quiet "${sources[@]}"
echo "== mypy"; $bin/mypy sdk/src server/src cli/src
echo "== import layers"; $bin/lint-imports --no-cache
echo "== postgresql"; scripts/ensure-postgres.sh
echo "== pytest"; scripts/pytest-parallel.sh .venv/bin/python "$@"
scripts/test-py313.sh
