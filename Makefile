# Folio: `make run` sets everything up and starts Folio; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck check bench migrate clean

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

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

check: lint typecheck test

## bench: run the benchmarks and print their figures
bench: $(DEV_STAMP)
	$(BIN)/python -m bench.ranking
	$(BIN)/python -m bench.allocate
	$(BIN)/python -m bench.digest_fanout

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
