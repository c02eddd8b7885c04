# The two commands a newcomer needs: `make demo` and `make test`. Each sets itself up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install demo test test-fast bench lint

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "refsync needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## sandbox + bundled sample spreadsheet, end to end
	$(BIN)/refsync demo

test: $(STAMP)  ## the whole suite, every tier
	$(BIN)/python -m pytest

test-fast: $(STAMP)  ## unit tier only, while you work
	$(BIN)/python -m pytest -m unit -q

bench: $(STAMP)  ## every benchmark in bench/, results in bench/results/
	$(BIN)/python bench/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
