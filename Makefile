PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run run-sso test e2e install migrate seed lint format check messages clean bench bench-all serve worker loadtest scim-check

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 not found as '$(PYTHON)'; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	@command -v msgfmt >/dev/null 2>&1 || { echo "msgfmt not found: install gettext (apt-get install gettext)"; exit 1; }
	msgfmt --check-format -o $@ $<

install: $(STAMP) $(MO_FILES)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_bootcamp

run: seed
	@echo "Serving on http://$(HOST):$(PORT)/ — log in as employee, manager, trainer or admin (password: bootcamp-demo)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# The demo with company sign-in: a local OpenID provider (oidc-provider-mock, a test
# dependency) on 127.0.0.1:$(SSO_PORT) beside the site. Its login page offers three people:
# demo-emma (links the demo's Emma by her e-mail), lena (a new colleague, created at her first
# sign-in) and tom (in the directory group lms-trainers: a trainer, into the admin).
SSO_PORT ?= 9400
SSO_ENV := OIDC_ISSUER=http://127.0.0.1:$(SSO_PORT) OIDC_CLIENT_ID=bootcamp-demo \
	OIDC_CLIENT_SECRET=demo-secret OIDC_PROVIDER_NAME="Demo directory" \
	LMS_OIDC_GROUP_ROLES="lms-trainers=Trainers"
run-sso: seed
	@echo "Serving on http://$(HOST):$(PORT)/ with company sign-in at http://127.0.0.1:$(SSO_PORT)/"
	@$(PY) -m oidc_provider_mock --port $(SSO_PORT) \
		--user-claims '{"sub": "demo-emma", "email": "employee@example.com", "locale": "de"}' \
		--user-claims '{"sub": "lena", "email": "lena.koenig@example.com", "given_name": "Lena", "family_name": "König", "locale": "de", "employee_id": "1042"}' \
		--user-claims '{"sub": "tom", "email": "tom.trainer@example.com", "given_name": "Tom", "family_name": "Richter", "locale": "en", "groups": ["lms-trainers"]}' \
		2>sso-provider.log & provider=$$!; trap "kill $$provider" EXIT INT TERM; \
	$(SSO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# On every core (pytest-xdist, one test database per worker); TEST_WORKERS=0 runs the suite in
# one process, e.g. make test TEST_WORKERS=0 PYTEST_ARGS="tests/test_seed.py -x".
# Bytecode is kept even where the shell sets PYTHONDONTWRITEBYTECODE: without it every worker
# (and every settings subprocess) compiles the project and re-rewrites the tests' asserts,
# about 6 s of CPU per process.
TEST_WORKERS ?= auto
test: install
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(TEST_WORKERS) --maxschedchunk=1 $(PYTEST_ARGS)

# axe-core for the accessibility checks of the e2e run, from the npm registry (package-lock.json).
AXE := node_modules/axe-core/axe.min.js

$(AXE): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js and npm (apt-get install -y npm); make e2e needs it for axe-core"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

# Real-browser journeys (Playwright + Debian's Chromium) with axe-core accessibility checks;
# screenshots to docs/screenshots/.
e2e: install $(AXE)
	@test -x /usr/bin/chromium || { echo "Install Chromium first: apt-get install -y chromium"; exit 1; }
	$(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# Synthetic company (default 10,000 employees) in a throwaway bench/bench.sqlite3, then
# timings of the key pages. E.g. make bench BENCH_ARGS="--employees 1000 --quick"
bench: install
	$(PY) manage.py bench $(BENCH_ARGS)

# The whole matrix of issue #16: 10,000 and 50,000 employees, the default install (no cache)
# and the Redis layout, on SQLite and on PostgreSQL (127.0.0.1). Each company is generated
# once and kept (bench/bench-<size>.sqlite3, <name>_bench_<size>) for the other cache mode.
BENCH_SCALES ?= 10000,50000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bootcamp
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/0
bench-all: install
	$(PY) manage.py bench --compare-scales $(BENCH_SCALES) --keep-db --cache none $(BENCH_ARGS)
	$(PY) manage.py bench --compare-scales $(BENCH_SCALES) --keep-db --cache redis --redis-url $(BENCH_REDIS_URL) $(BENCH_ARGS)
	$(PY) manage.py bench --compare-scales $(BENCH_SCALES) --keep-db --cache none --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)
	$(PY) manage.py bench --compare-scales $(BENCH_SCALES) --keep-db --cache redis --redis-url $(BENCH_REDIS_URL) --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)

# Production-style serving: gunicorn + WhiteNoise with production settings. Needs
# SECRET_KEY and WAGTAILADMIN_BASE_URL (and DATABASE_URL, REDIS_URL, ALLOWED_HOSTS as in
# the README).
WEB_CONCURRENCY ?= 2
GUNICORN_THREADS ?= 4
serve: install
	@test -n "$$SECRET_KEY" || { echo "Set SECRET_KEY (see README: Running in production)"; exit 1; }
	@test -n "$$WAGTAILADMIN_BASE_URL" || { echo "Set WAGTAILADMIN_BASE_URL to the site's public address (see README: Running in production)"; exit 1; }
	DJANGO_SETTINGS_MODULE=lms.settings.production $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=lms.settings.production $(PY) manage.py collectstatic --noinput -v0
	DJANGO_SETTINGS_MODULE=lms.settings.production $(VENV)/bin/gunicorn lms.wsgi:application \
		--bind $(HOST):$(PORT) --workers $(WEB_CONCURRENCY) --threads $(GUNICORN_THREADS) \
		--access-logfile - --timeout 60

# Background tasks (reminders, Wagtail's search index) with TASKS_BACKEND=database.
worker: install
	TASKS_BACKEND=database $(PY) manage.py db_worker

# 300 learners against gunicorn + PostgreSQL + Redis on 127.0.0.1 within 90 s: each signs
# in through the login form (logins spread over a 60 s ramp-up), reads two modules for a
# few seconds, answers the quiz with a pause before each question and opens the dashboard
# again; p50/p95/p99 per request kind and the p95 <= 300 ms verdict, 0 errors and 0 lost
# answers to pass. E.g. make loadtest LOADTEST_ARGS="--users 100 --ramp-up 30"
loadtest: install
	$(PY) -m loadtest.run $(LOADTEST_ARGS)

# scim2-tester against /scim/v2/ of a live server (127.0.0.1, a free port, a throwaway
# SQLite database and SCIM token); prints every check, fails on any ERROR or CRITICAL.
scim-check: install
	$(PY) scripts/scim_check.py

# ruff, then the layer contract (pyproject.toml [tool.importlinter], docs/architecture.md):
# a lower layer importing a higher one fails the lint, and so CI (.ci/run).
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	SECRET_KEY=check-only-$$(date +%s)-not-a-real-secret-but-long-enough-for-the-check \
		WAGTAILADMIN_BASE_URL=https://lms.check.internal \
		DJANGO_SETTINGS_MODULE=lms.settings.production $(PY) manage.py check --deploy --fail-level WARNING

# New msgids into locale/*/LC_MESSAGES/django.po; translate the German ones, then `make
# install` compiles them. tests/test_i18n.py fails while one is missing or fuzzy.
messages: install
	$(PY) manage.py makemessages -l de -l en --ignore=.venv --ignore=staticfiles --ignore=node_modules

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules
