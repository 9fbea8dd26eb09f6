# The two commands: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint dist install clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalled whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/events-app migrate
	$(BIN)/events-app demo
	$(BIN)/events-app serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every tests/bench_*.py, one after another, as one table (docs/performance.md); wrk is needed.
bench: $(VENV)/.installed
	$(BIN)/python tests/run_benchmarks.py $(BENCH)

# ruff and mypy, configured in pyproject.toml.
lint: $(VENV)/.installed
	$(BIN)/ruff check events_app tests
	$(BIN)/mypy

# The sdist, then the wheel built from it (so the sdist is proven complete), into dist/.
# The wheel carries templates/, static/ and schedules/ under events_app/bundled/ (see setup.py).
dist: $(VENV)/.installed
	rm -rf dist build
	$(BIN)/python -m build --no-isolation --outdir dist .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache build dist
