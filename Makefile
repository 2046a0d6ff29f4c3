# The two commands of the README: `make serve` and `make test`.
.PHONY: serve test setup setup-dev bench

setup:
	scripts/setup.sh

setup-dev:
	scripts/setup.sh --dev

# Builds of providers that require Python 3.13 (as the public SDK's do) use this one, when
# there is one; make serve BUILD_PYTHON= builds with the server's Python only.
BUILD_PYTHON ?= $(shell scripts/find-python-3.13.sh 2>/dev/null)

serve: setup
	.venv/bin/pragma-os serve $(if $(BUILD_PYTHON),--build-python $(BUILD_PYTHON))

test: setup-dev
	scripts/test.sh

bench: setup-dev
	.venv/bin/python bench/apply_and_list.py
