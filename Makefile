# The two commands: `make run` (quick start on SQLite, no Redis) and `make test` (the whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest options, e.g. `make test PYTEST_ARGS="tests/accounts -x"`; browser tests run in two processes.
PYTEST_ARGS ?= -n 2
export DJANGO_ALLOW_ASYNC_UNSAFE := true

.PHONY: help prereqs install var static db demo run run-stack lint format typecheck services-check test bench clean

help:
	@echo "make run        set up and serve the portal at http://$(HOST):$(PORT)/ with demo data (SQLite, no Redis)"
	@echo "make test       lint, type-check, then every test against PostgreSQL, Redis, a Celery worker and Chromium"
	@echo "make run-stack  gunicorn + Celery worker + beat on PostgreSQL and Redis (production topology)"
	@echo "make bench      benchmarks against gunicorn on PostgreSQL"

prereqs:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 or newer is needed: install python3 (e.g. apt-get install python3 python3-venv)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed; $(PYTHON) is $$($(PYTHON) -V 2>&1)."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "Python's venv module is missing: install it (e.g. apt-get install python3-venv)."; exit 1; }
	@command -v npm >/dev/null || { echo "Node.js and npm are needed for the NHS.UK frontend: install them (e.g. apt-get install nodejs npm)."; exit 1; }

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: prereqs $(VENV)/.installed node_modules/.installed

# The quick start's data: SQLite, sent mail, the filesystem broker's folders, uploads.
var:
	@mkdir -p var/mail var/broker/out var/broker/processed var/broker/control var/media

static: install var
	$(PY) manage.py collectstatic --noinput -v0

db: install var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py createcachetable

demo: db
	$(PY) manage.py seed_demo

# Links in the emails the worker sends point at this server, on whatever PORT it serves (unless SITE_URL is set).
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: static demo
	@echo "Serving http://$(HOST):$(PORT)/ with a Celery worker and beat (emails land in var/mail/). Ctrl-C stops both."
	@$(PY) -m celery -A ics_portal worker -B --pool solo --loglevel WARNING --schedule var/celerybeat-schedule & \
	worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

# The production topology on this machine. It loads the demo data only when asked (DEMO=1): DEBUG may be off here,
# so seed_demo runs with --force.
run-stack: export SITE_URL ?= http://$(HOST):$(PORT)
run-stack: static
	@test -n "$$DATABASE_URL" || { echo "run-stack needs DATABASE_URL (PostgreSQL) and REDIS_URL, see README."; exit 1; }
	@test -n "$$REDIS_URL" || { echo "run-stack needs REDIS_URL (Redis), see README."; exit 1; }
	$(PY) manage.py migrate --noinput -v0
	@if [ "$(DEMO)" = 1 ]; then $(PY) manage.py seed_demo --force; \
	else echo "No demo data loaded: \`make run-stack DEMO=1\` loads it (demo accounts and consultations)."; fi
	$(VENV)/bin/honcho start -f Procfile -p $(PORT)

# Starts PostgreSQL and Redis on this machine when installed but stopped, installs Debian's Chromium when missing
# (as root or with passwordless sudo); else one line per service saying what to run. Standard library only, so it
# runs before the virtualenv exists. SERVICES_SETUP=check only checks.
services-check: prereqs
	@$(PYTHON) scripts/check_services.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: install
	$(VENV)/bin/mypy

# Services first: set up here, or a missing one stops the run at once. Works on a fresh clone (CI runs just this).
test: services-check lint typecheck static
	DJANGO_SETTINGS_MODULE=ics_portal.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

bench: static services-check
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules staticfiles var
