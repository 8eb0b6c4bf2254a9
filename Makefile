# kumo-bot: `make demo` and `make test` are all a new user needs (Python 3.11 + make).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SCENARIO ?= yahoo-tss04

.PHONY: demo test lint typecheck playbooks unit bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/kumo-bot demo --scenario $(SCENARIO)

test: lint typecheck playbooks unit

lint: $(STAMP)
	$(BIN)/ruff check bot tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

playbooks: $(STAMP)
	$(BIN)/kumo-bot playbooks check playbooks

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/fanout.py
	$(BIN)/python benchmarks/ack.py
	$(BIN)/python benchmarks/classifier.py
	$(BIN)/python benchmarks/logscan.py
	@if [ -n "$$KUMO_TEST_DATABASE_URL" ]; then $(BIN)/python benchmarks/audit.py; \
	else echo "bench: audit.py needs PostgreSQL: set KUMO_TEST_DATABASE_URL (see .ci/run)"; fi

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
