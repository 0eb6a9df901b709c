# callqa: the two commands a new user needs are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format migrate venv clean lock

venv: $(STAMP)
# Dependencies come from the lock files (exact versions with hashes), so every install is the same; uv installs
# them in seconds where pip took a minute, compiling bytecode as pip does (else every `callqa` start would).
# `make lock` re-resolves them after a change to pyproject.toml.
UV_VERSION := 0.13.9
UV := $(BIN)/uv
LOCK_FLAGS := --quiet --generate-hashes --python-version 3.11 --universal

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "callqa needs Python 3.11+"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes -r requirements-dev.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

## lock: re-resolve requirements.lock (runtime, used by the image) and requirements-dev.lock (make run, make test)
lock:
	@test -x $(UV) || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet "uv==$(UV_VERSION)"; }
	$(UV) pip compile $(LOCK_FLAGS) pyproject.toml -o requirements.lock
	$(UV) pip compile $(LOCK_FLAGS) pyproject.toml --extra dev -o requirements-dev.lock

## run: install, migrate the embedded SQLite database and serve on http://127.0.0.1:8000
run: venv
	@$(BIN)/callqa migrate
	@$(BIN)/callqa keys ensure-admin --file .callqa-admin-key >/dev/null
	@echo "callqa: admin API key in .callqa-admin-key: KEY=\$$(cat .callqa-admin-key)"
	@echo "callqa: POST events to http://$${CALLQA_HOST:-127.0.0.1}:$${CALLQA_PORT:-8000}/v1/events with 'Authorization: Bearer \$$KEY';"
	@echo "        console at /console, API docs at /docs; scripts/walkthrough.sh and scripts/quality-loop-walkthrough.sh run the README's walk-throughs"
	@$(BIN)/callqa serve

migrate: venv
	$(BIN)/callqa migrate

## test: install, start PostgreSQL and Kafka (installing them if needed), lint, run every test
test:
	bash scripts/test.sh

## lint: ruff (rules and format), import-linter (the layers, see README Architecture), mypy
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis
