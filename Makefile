# The two commands of the README: `make serve` and `make test`.
.PHONY: serve test setup setup-dev bench

setup:
	scripts/setup.sh

setup-dev:
	scripts/setup.sh --dev

serve: setup
	.venv/bin/pragma-os serve

test: setup-dev
	scripts/test.sh

bench: setup-dev
	.venv/bin/python bench/apply_and_list.py
