# Python, virtualenv and the demo database live here; override PYTHON to pick an interpreter.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
ENCOUNTERS ?= 40
SEED ?= 1

# make run uses a SQLite database under ./var unless CLAIMS_DATABASE_URL is already set.
export CLAIMS_DATABASE_URL ?= sqlite:///./var/claims.db
# ... and signs what it sends with a self-signed demo certificate of the demo facility (created once).
DEMO_FACILITY ?= 01999
export CLAIMS_SIGNING_P12 ?= ./var/certs/$(DEMO_FACILITY).p12
export CLAIMS_SIGNING_P12_PASSWORD ?= demo

.PHONY: run test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## run: install, migrate ./var/claims.db, load demo data, serve on http://$(HOST):$(PORT)/
run: $(VENV)/.installed
	mkdir -p var
	$(BIN)/claims insurer demo-cert --facility $(DEMO_FACILITY) --cert-dir var/certs --password $(CLAIMS_SIGNING_P12_PASSWORD)
	$(BIN)/claims migrate
	$(BIN)/claims seed-demo --encounters $(ENCOUNTERS) --seed $(SEED)
	@echo
	@echo "  Open http://$(HOST):$(PORT)/  (login page /login, API documentation /docs, health /health)"
	@echo "  Demo logins are listed above (username / password). Stop with Ctrl+C."
	@echo
	$(BIN)/claims serve --host $(HOST) --port $(PORT)

## test: install with the test extras and run the whole suite
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
