# The two commands of README.md, and a few more for operators.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run test serve migrate schema bench admin-timing clean docker-env

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

## make serve: production-style gunicorn (set DJANGO_ENV=production and the three secrets first: docs/operations.md, Secrets)
serve: migrate
	$(BIN)/python manage.py collectstatic --noinput
	MALLOC_ARENA_MAX=2 $(BIN)/gunicorn config.wsgi -c gunicorn.conf.py

## make docker-env: write $(ENV_FILE) with generated secrets for docker compose, once (an existing file is kept:
## SIGNING_ENCRYPTION_KEY must not change under stored data). Git and the image build ignore it.
ENV_FILE ?= .env
docker-env:
	@if [ -e "$(ENV_FILE)" ]; then echo "$(ENV_FILE) exists: keeping its secrets"; else \
	  umask 077 && $(PYTHON) -c 'import base64, os, secrets; print(f"DJANGO_SECRET_KEY={secrets.token_hex(32)}\nJWT_SECRET={secrets.token_hex(32)}\nSIGNING_ENCRYPTION_KEY={base64.urlsafe_b64encode(os.urandom(32)).decode()}")' > "$(ENV_FILE)" \
	  && echo "wrote $(ENV_FILE): DJANGO_SECRET_KEY, JWT_SECRET, SIGNING_ENCRYPTION_KEY"; fi

## make bench: the benchmark (PostgreSQL, Redis, gunicorn, wrk) -> bench/results/latest.md
bench: install-dev
	$(BIN)/python bench/run.py

## make admin-timing: time every admin page against DATABASE_URL, e.g. the bench data (docs/performance.md,
## "The admin at production size"); ARGS="--only procurement" passes options
admin-timing: install
	$(BIN)/python bench/admin_timing.py $(ARGS)

schema: install
	$(BIN)/python manage.py spectacular --file schema.yaml

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
