# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := CONVENE_ENV=$${CONVENE_ENV:-development} $(BIN)/flask --app wsgi
TRANSLATIONS := app/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test bench install lint format messages translations worker clean

run: install translations
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Tests marked `slow` (scale, races) run only with SLOW=1, or in CI (CI=true).
SLOW ?= $(CI)
SKIP_SLOW := $(if $(filter-out 0 false,$(SLOW)),,-m "not slow")

test: install translations
	$(BIN)/pytest $(SKIP_SLOW) $(PYTEST_ARGS)

# Booking throughput and latency on a hot cohort (BENCH_DATABASE_URL for PostgreSQL).
bench: install translations
	$(BIN)/python -m tests.benchmarks.booking

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
