# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := CONVENE_ENV=$${CONVENE_ENV:-development} $(BIN)/flask --app wsgi
TRANSLATIONS := app/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run serve test bench install html-checker lint format messages translations worker clean

# Links in mail point where the server listens, unless PUBLIC_BASE_URL says otherwise.
run serve: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install translations
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Tests marked `slow` (scale, races) run only with SLOW=1, or in CI (CI=true).
SLOW ?= $(CI)
SKIP_SLOW := $(if $(filter-out 0 false,$(SLOW)),,-m "not slow")

test: install translations html-checker
	$(BIN)/pytest $(SKIP_SLOW) $(PYTEST_ARGS)

# The W3C Nu HTML checker (vnu.jar, from the npm registry's vnu-jar package) for the
# crawl test's HTML validity check, which runs on Java. Without npm or Java that one
# check is skipped, with its reason, and the rest of the suite runs.
VNU_VERSION := 26.9.27
VNU := $(VENV)/vnu
html-checker:
	@if [ "$$(cat $(VNU)/version 2>/dev/null)" = $(VNU_VERSION) ]; then :; \
	elif ! command -v npm >/dev/null || ! command -v java >/dev/null; then \
	  echo "no npm or no java: the crawl test will not check HTML validity"; \
	else \
	  rm -rf $(VNU) && mkdir -p $(VNU) && \
	  npm pack --silent --pack-destination $(VNU) vnu-jar@$(VNU_VERSION) >/dev/null && \
	  tar -xzf $(VNU)/vnu-jar-$(VNU_VERSION).tgz -C $(VNU) --strip-components=3 package/build/dist/vnu.jar && \
	  rm $(VNU)/vnu-jar-$(VNU_VERSION).tgz && echo $(VNU_VERSION) >$(VNU)/version; \
	fi

# Convene under gunicorn against a bare Flask app served the same way: every page,
# bookings, the door and exports as ratios and goals (BENCH_DATABASE_URL for
# PostgreSQL). About ten minutes.
bench: install translations
	$(BIN)/python -m tests.benchmarks

# As in production (gunicorn.conf.py, CONVENE_ENV=production) on a local PostgreSQL,
# over plain http: the database is made when missing, demo data loaded when empty.
serve: export DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/convene
serve: export CONVENE_ENV := production
serve: export SESSION_COOKIE_SECURE := 0
serve: export PORT := $(PORT)
serve: export SECRET_KEY ?= $(shell python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
serve: install translations
	$(BIN)/python -c "$$CREATE_DATABASE"
	$(BIN)/flask --app wsgi db upgrade
	if $(BIN)/python -c "$$IS_EMPTY"; then $(BIN)/flask --app wsgi demo load; fi
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# `make serve`'s steps that need Python: create DATABASE_URL's database unless it
# exists; succeed when it holds no account yet.
define CREATE_DATABASE
import os
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
url = make_url(os.environ["DATABASE_URL"])
engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
with engine.connect() as connection:
    if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}):
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
endef
define IS_EMPTY
import os, sys
from sqlalchemy import create_engine, text
with create_engine(os.environ["DATABASE_URL"]).connect() as connection:
    sys.exit(1 if connection.scalar(text("SELECT count(*) FROM users")) else 0)
endef
export CREATE_DATABASE IS_EMPTY

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e . --group dev
	touch $@

translations: $(MO_FILES)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | install
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS) -l $* >/dev/null

# Extract new strings and merge them into every language's catalogue.
messages: install
	$(BIN)/pybabel extract -F app/babel.cfg -k _l -o $(TRANSLATIONS)/messages.pot --no-location --sort-output app templates
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(FLASK) jobs worker

clean:
	rm -rf $(VENV) $(MO_FILES) .pytest_cache
