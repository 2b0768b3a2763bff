# The two commands: `make run` (set up, migrate, load the demo data, serve on :5000) and
# `make test` (set up, lint, type-check, run the suite embedded and on PostgreSQL + Redis).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
TEST_DATABASE_URL ?= postgresql://127.0.0.1:5432/test
TEST_REDIS_URL    ?= redis://127.0.0.1:6379/15

.PHONY: setup run test test-embedded test-services test-browser-services lint worker translations

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

run: setup
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Embedded: SQLite and jobs in-process, with the browser walks. The tests that need the real
# servers are left to the second run, which talks to PostgreSQL, Redis and real RQ worker
# processes (and fails loudly when one of them is missing); it leaves out the browser walks,
# which test the pages the first run has already walked (CI time, see README "Tests").
test-embedded: setup
	$(BIN)/pytest -p no:cacheprovider -m "not postgres and not redis"

# The PostgreSQL + Redis run also leaves out the search checks on the demo data (test_search_demo.py): they measure the
# Korean search over the demo texts, whose index is a file whatever the database, and loading the
# demo campaign into PostgreSQL a further time cost minutes of CI; the demo load on PostgreSQL is
# still tested by test_cli.py, and the search's database and queue parts by the other modules.
test-services: setup
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/pytest -p no:cacheprovider --ignore=tests/browser \
		--ignore=tests/functional/test_search_demo.py

# The browser walks on PostgreSQL + Redis as well (not part of `make test`).
test-browser-services: setup
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/pytest -p no:cacheprovider tests/browser

# The two runs share nothing (a SQLite file per test vs the PostgreSQL database and Redis), so
# they run side by side on the two cores; each one's output is printed when it ends.
test: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-embedded test-services

worker: setup
	$(FLASK) worker

translations: setup
	$(BIN)/pybabel extract -F webapp/babel.cfg -k _l -k lazy_gettext --no-location --omit-header \
		-o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations
	$(BIN)/pybabel compile -d webapp/translations
