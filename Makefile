# The two commands of the README. Each sets up everything it needs on a fresh machine
# (a virtual environment with fairclimb and its test tools) and is safe to rerun.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH_VERSION ?= 2.13.0

.PHONY: quickstart test lint setup

# torch is installed first, pinned, so that pip takes that exact (CPU) wheel instead of
# resolving a multi-GB one; pyproject keeps only the range (the 'hf' extra: torch>=2.2).
$(BIN)/fairclimb: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/pip install --quiet -e '.[dev,hf,data,embed,train,ray]'
	@touch $@

setup: $(BIN)/fairclimb

quickstart: setup
	$(BIN)/fairclimb quickstart

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
