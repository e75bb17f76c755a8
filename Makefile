# FitnessCRM — the two commands a newcomer runs are `make demo` and `make test`.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell command -v python3.12 2>/dev/null || command -v python3)

.PHONY: demo test lint format lock migrate worker clean

$(VENV)/bin/activate:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else "FitnessCRM needs Python 3.12; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Runtime dependencies only (what production installs), from the hashed lock file.
$(VENV)/.runtime: $(VENV)/bin/activate requirements.lock pyproject.toml
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

# Runtime plus test and lint tools.
$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $@

# Local settings for the demo: a random secret key, plain HTTP on loopback.
.env:
	@$(PY) scripts/make-demo-env.py > $@
	@echo "Wrote .env (demo settings; edit it or set variables to change them)."

demo: $(VENV)/.runtime .env
	$(VENV)/bin/fitnesscrm migrate --noinput
	$(VENV)/bin/fitnesscrm collectstatic --noinput --verbosity 0
	$(VENV)/bin/fitnesscrm loaddemo
	@echo ""
	@echo "FitnessCRM is starting on http://127.0.0.1:$(PORT)  (Ctrl-C stops it)"
	$(VENV)/bin/fitnesscrm serve --port $(PORT) --with-worker

test: $(VENV)/.dev
	@scripts/run-tests.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate both lock files from pyproject.toml (needs the dev tools for uv).
lock: $(VENV)/.dev
	$(VENV)/bin/uv pip compile pyproject.toml requirements-build.in --python-version 3.12 --generate-hashes --quiet -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml requirements-build.in --extra dev --python-version 3.12 --generate-hashes --quiet -o requirements-dev.lock

migrate: $(VENV)/.runtime
	$(VENV)/bin/fitnesscrm migrate

worker: $(VENV)/.runtime
	$(VENV)/bin/fitnesscrm worker

# Load test on PostgreSQL with 100,000 clients (see docs/PERFORMANCE.md); DATABASE_URL overrides the database.
.PHONY: bench bench-schedule
bench: $(VENV)/.dev
	@scripts/bench.sh

# The schedule: a class opening for booking, and week views over 1,000,000 sessions.
bench-schedule: $(VENV)/.dev
	@scripts/bench-schedule.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
