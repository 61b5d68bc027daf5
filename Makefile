# Kepu Studio — set-up, run, test and benchmark.
#   make run    install everything, prepare the database, load the encyclopedia and demo, serve on :8000
#   make test   run the whole test suite (SQLite, or the database DATABASE_URL points at; COVERAGE=1: under coverage, with its floor)
#   make lint   what CI checks before the tests: ruff, ruff format, djhtml, mypy, makemigrations --check, manage.py check
#   make typecheck  mypy alone (part of lint)
#   make format apply ruff's fixes, ruff format and djhtml to the tree
#   make bench  run the benchmarks, print their figures and write benchmarks/results.json (QUICK=1: short smoke runs)
#   make messages  rebuild the zh-Hans catalogue from the code (then translate the new entries) and compile it

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
DATA_DIR ?= $(abspath ../shared/data)
HOST ?= 127.0.0.1
PORT ?= 8000
export KEPU_DATA_DIR := $(DATA_DIR)

# Debian packages the studio needs: offline TTS, CJK fonts for images and video,
# ffprobe for media checks, Chromium for browser tests, wrk for load benchmarks, gettext for the catalogue,
# cairo for drawing the Health Icons.
APT_PACKAGES := espeak-ng fonts-noto-cjk ffmpeg chromium chromium-driver wrk sox libsqlite3-0 gettext libcairo2

.PHONY: run test lint typecheck format bench messages system-packages venv migrate data serve worker clean

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Please install these Debian packages (as root): apt-get install$$missing"; \
	  fi; \
	fi

$(VENV)/.installed: requirements.txt $(wildcard requirements/*.txt)
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_studio
	$(PY) manage.py collectstatic --noinput -v0

data: migrate
	$(PY) manage.py import_encyclopedia "$(DATA_DIR)"
	$(PY) manage.py import_health_icons "$(DATA_DIR)/healthicons"
	$(PY) manage.py compose_illustrations
	$(PY) manage.py load_demo

run: system-packages data
	@echo "Kepu Studio: http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@$(PY) -m celery -A kepu worker --beat --loglevel=INFO --concurrency=2 --schedule=var/celerybeat-schedule & \
	  worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT) --noreload

test: system-packages venv
ifdef COVERAGE
	$(PY) -m coverage erase
	$(PY) -m coverage run -m pytest $(PYTEST_ARGS)
	$(PY) -m coverage report
else
	$(PY) -m pytest $(PYTEST_ARGS)
endif

# The templates djhtml indents: the project's and every app's.
TEMPLATES = $(shell find templates cms media_pipeline distribution -name '*.html' -path '*templates/*')

lint: venv
	$(PY) .ci/import_layers.py
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check $(TEMPLATES)
	@$(MAKE) --no-print-directory typecheck
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check --fail-level WARNING

typecheck: venv
	$(VENV)/bin/mypy

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djhtml $(TEMPLATES)

# The compiled catalogue (locale/*/LC_MESSAGES/django.mo) is committed: run, test and CI need no gettext.
messages: venv
	$(PY) manage.py makemessages -l zh_Hans
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

bench: system-packages venv
	$(PY) benchmarks/run_all.py $(if $(QUICK),--quick) $(BENCH)

clean:
	rm -rf var screenshots .pytest_cache
