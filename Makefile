# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install services demo up test lint unit bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# PostgreSQL, Redis and Debian's chromium for the tests that use the real ones
services:
	bash scripts/ensure-services.sh

demo: install
	$(BIN)/rto demo

up: install
	$(BIN)/rto up

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: install services lint
	$(BIN)/pytest

bench: install services
	$(BIN)/rto bench

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis
