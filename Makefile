# The two commands of README.md, and a few more for operators.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run test serve migrate schema bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

migrate: install
	$(BIN)/python manage.py migrate --noinput

## make run: install, migrate, serve on http://$(HOST):$(PORT) (SQLite and in-process cache unless configured)
run: migrate
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: install with test tools and run the whole suite (against whatever DATABASE_URL/REDIS_URL say)
test: install-dev
	$(BIN)/python -m pytest -n 2 -q

## make serve: production-style gunicorn (set DJANGO_ENV=production and DJANGO_SECRET_KEY first)
serve: migrate
	$(BIN)/python manage.py collectstatic --noinput
	MALLOC_ARENA_MAX=2 $(BIN)/gunicorn config.wsgi -c gunicorn.conf.py

## make bench: the benchmark (PostgreSQL, Redis, gunicorn, wrk) -> bench/results/latest.md
bench: install-dev
	$(BIN)/python bench/run.py

schema: install
	$(BIN)/python manage.py spectacular --file schema.yaml

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
