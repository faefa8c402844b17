# ReviewDesk: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: run test bench load smoke lint messages install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-load: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[load]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: install, migrate, load the demo shop, start web + worker + beat (Ctrl-C stops all)
run: export DEBUG ?= 1
run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	PATH="$(CURDIR)/$(BIN):$$PATH" PORT=$(PORT) $(BIN)/honcho start -f Procfile.dev

## test: install test dependencies and run the whole suite
test: install-test
	$(BIN)/python -m pytest

## smoke: the suite's fast part on the embedded defaults (SQLite, filesystem broker)
smoke: install-test
	env -u DATABASE_URL -u REDIS_URL REVIEWDESK_VAR_DIR="$(CURDIR)/var/smoke" \
		$(BIN)/python -m pytest -m "not browser" -q tests/test_smoke.py tests/reviews/test_pages.py tests/test_celery_worker.py \
		tests/reports/test_rollups.py tests/reports/test_reports.py tests/reports/test_spikes.py

## bench: the project's benchmarks against DATABASE_URL / REDIS_URL (migrated first); writes var/bench.json
bench: install-test
	$(BIN)/python -m bench

## load: 50 agents against gunicorn + worker + beat for 5 minutes (docs/load.md); never in make test
load: install $(VENV)/.installed-load
	$(BIN)/python -m loadtest.run

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## messages: refresh locale/ from templates and code; translations live in locale/parts/*.po
messages: install
	mkdir -p var
	DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	msgcat --use-first locale/parts/*.po locale/zh_Hans/LC_MESSAGES/django.po -o var/messages-combined.po
	msgmerge --quiet --no-fuzzy-matching var/messages-combined.po locale/zh_Hans/LC_MESSAGES/django.po \
		| msgattrib --no-obsolete --clear-fuzzy --empty -o locale/zh_Hans/LC_MESSAGES/django.po
	DEBUG=1 $(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) var
