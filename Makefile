# Folio: `make run` sets everything up and starts Folio; `make test` sets up and runs the tests;
# `make check` runs what CI runs (lint, typecheck, test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck check bench bench-quick migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Runtime dependencies for `make run`; the test and tool set on top for everything else.
$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV_STAMP)

## run: set up and start Folio (console without Slack credentials; Slack with them)
run: $(STAMP)
	@$(BIN)/python bot.py $(MODE)

## migrate: upgrade the database
migrate: $(STAMP)
	$(BIN)/python bot.py migrate

## test: set up and run the whole suite (SQLite and PostgreSQL)
test: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff's lint rules and its formatting, both checked (nothing is rewritten)
lint: $(DEV_STAMP)
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	exit $$status

## typecheck: mypy over the code and the tests (pyproject.toml [tool.mypy])
typecheck: $(DEV_STAMP)
	$(BIN)/mypy

## check: what CI runs: lint, typecheck and test, every one of them; fails if any failed
check: $(DEV_STAMP)
	@failed=""; \
	for step in lint typecheck test; do \
		echo "==> make $$step"; \
		$(MAKE) --no-print-directory $$step || failed="$$failed $$step"; \
	done; \
	if [ -n "$$failed" ]; then echo "make check FAILED:$$failed" >&2; exit 1; fi; \
	echo "make check passed: lint, typecheck, test"

## bench: run every benchmark and print its figures (about 15 minutes on 2 cores)
bench: $(DEV_STAMP)
	$(BIN)/python -m bench.roundtrip
	$(BIN)/python -m bench.ranking
	$(BIN)/python -m bench.balance
	$(BIN)/python -m bench.totals_triggers
	$(BIN)/python -m bench.history
	$(BIN)/python -m bench.digest_fanout
	$(BIN)/python -m bench.allocate
	$(BIN)/python -m bench.frontier
	$(BIN)/python -m bench.value_distribution
	$(BIN)/python -m bench.delivery_forecast

## bench-quick: every benchmark in its small mode (a few minutes): CI runs it, so a benchmark
## that no longer runs fails the build
bench-quick: $(DEV_STAMP)
	$(BIN)/python -m bench.roundtrip --quick
	$(BIN)/python -m bench.ranking --quick
	$(BIN)/python -m bench.balance --quick
	$(BIN)/python -m bench.totals_triggers --quick
	$(BIN)/python -m bench.history --quick
	$(BIN)/python -m bench.digest_fanout --quick
	$(BIN)/python -m bench.allocate --quick
	$(BIN)/python -m bench.frontier --quick
	$(BIN)/python -m bench.delivery_forecast --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
