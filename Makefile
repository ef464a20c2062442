# Sinergi: `make run` serves the app with demo data, `make test` runs the suite, `make lint` checks,
# `make bench` runs the benchmarks (BENCH_ARGS="--only B1,B3 --scale 10").
# Installs are incremental: pip runs again only when pyproject.toml changes (stamp files in .venv).

VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.sinergi-installed
DEV     := $(VENV)/.sinergi-dev-installed
LINT_PATHS ?= coordinator workers tests

.PHONY: run test lint install install-dev translations bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

install: $(STAMP)
install-dev: $(DEV)

run: $(STAMP)
	$(BIN)/sinergi db upgrade
	$(BIN)/sinergi seed
	$(BIN)/sinergi demo
	exec $(BIN)/sinergi run-all

# pytest's exit code 5 ("no tests ran") fails the target like any other non-zero code.
# TEST_WORKERS processes share the tests a file at a time, each on a PostgreSQL and a Redis
# database of its own (tests/conftest.py); TEST_WORKERS=0 runs them in this one process.
TEST_WORKERS ?= 2
test: $(DEV)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(DEV)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/lint-imports

# The one catalog of people-facing texts: extract from code and templates, update, compile.
translations: $(DEV)
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ -k _l -k lazy_gettext -o .venv/messages.pot coordinator
	$(BIN)/pybabel -q update -i .venv/messages.pot -d coordinator/translations -l id --no-fuzzy-matching --ignore-obsolete -w 100
	$(BIN)/pybabel -q compile -d coordinator/translations

# The benchmarks need the local PostgreSQL and Redis (see bench/run.py for the URLs) and wrk.
bench: $(STAMP)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m bench $(BENCH_ARGS)
