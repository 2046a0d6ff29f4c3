# The two commands of the README: `make serve` and `make test`.
.PHONY: serve test setup setup-dev bench

setup:
	scripts/setup.sh

setup-dev:
	scripts/setup.sh --dev

# Builds of providers that require Python 3.13 (as the public SDK's do) use this one; an
# empty BUILD_PYTHON (make serve BUILD_PYTHON=) builds with the server's Python only.
BUILD_PYTHON ?= 3.13

serve: setup
	.venv/bin/pragma-os serve $(if $(BUILD_PYTHON),--build-python $(BUILD_PYTHON))

test: setup-dev
	scripts/test.sh

bench: setup-dev
	.venv/bin/python bench/apply_and_list.py
