# Folio: `make run` sets everything up and starts Folio; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check bench migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## run: set up and start Folio (console without Slack credentials; Slack with them)
run: $(STAMP)
	$(BIN)/python bot.py $(MODE)

## migrate: upgrade the database
migrate: $(STAMP)
	$(BIN)/python bot.py migrate

## test: set up and run the whole suite (SQLite and PostgreSQL)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

## bench: run the benchmarks and print their figures
bench: $(STAMP)
	$(BIN)/python -m bench.ranking
	$(BIN)/python -m bench.allocate
	$(BIN)/python -m bench.digest_fanout

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
