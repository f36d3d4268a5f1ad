# The two commands of the README. Each sets up everything it needs on a fresh machine
# (a virtual environment with fairclimb and its test tools) and is safe to rerun.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: quickstart test lint setup

$(BIN)/fairclimb: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(BIN)/fairclimb

quickstart: setup
	$(BIN)/fairclimb quickstart

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
