# HallPulse: `make run` serves the app on the embedded demo database, `make test` runs the
# linters and the tests. Both set up .venv/ from the lock file first when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB_FILE ?= data/hall.db
PORT ?= 8501
DEMO_DAYS ?= 120

.PHONY: setup bytecode run test lint format demo bench clean

setup: $(VENV)/.ready

# uv when it is there (or can be bootstrapped with pip), plain pip from requirements.lock if not.
# The libraries are compiled to bytecode at install: where PYTHONDONTWRITEBYTECODE is set
# (containers, CI) Python would otherwise compile every module it imports on every start
# (seconds for a `hall` command, Prophet and Streamlit included).
$(VENV)/.ready: pyproject.toml uv.lock requirements.lock
	@set -e; \
	if command -v uv >/dev/null 2>&1; then \
	  UV_PYTHON_DOWNLOADS=never uv sync --frozen --compile-bytecode --python "$(PYTHON)"; \
	else \
	  [ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV); \
	  if $(BIN)/python -m pip install --quiet uv; then \
	    UV_PYTHON_DOWNLOADS=never $(BIN)/python -m uv sync --frozen --inexact --compile-bytecode \
	      --python $(BIN)/python; \
	  else \
	    echo "uv unavailable: installing with pip from requirements.lock"; \
	    $(BIN)/python -m pip install --quiet -r requirements.lock; \
	    $(BIN)/python -m pip install --quiet --no-deps -e .; \
	    $(BIN)/python -m compileall -q -j 0 $(VENV)/lib; \
	  fi; \
	fi
	@touch $@

$(DB_FILE): | setup
	$(BIN)/hall demo --db sqlite:///$(DB_FILE) --days $(DEMO_DAYS)

# the project's own modules too (a second; stale files are simply recompiled in memory)
PACKAGES := access alerts charts cli dashboard forecasting i18n imports metrics queries reports \
	simulation sync workdays
bytecode: setup
	@$(BIN)/python -m compileall -q -j 0 $(PACKAGES) streamlit_app.py >/dev/null

run: setup bytecode $(DB_FILE)
	HALL_DB_URL=sqlite:///$(DB_FILE) $(BIN)/python -m dashboard.serve --server.port $(PORT)

demo: setup
	$(BIN)/hall demo --db sqlite:///$(DB_FILE) --days $(DEMO_DAYS) --replace

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# the tests run in parallel workers, a test file to a worker (each worker has its own server
# databases); TEST_WORKERS=0 runs them in one process
TEST_WORKERS ?= 3

test: lint bytecode
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

bench: setup
	$(BIN)/python benchmarks/demo_year.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
