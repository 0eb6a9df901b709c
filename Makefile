# callqa: the two commands a new user needs are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format migrate venv clean

venv: $(STAMP)
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "callqa needs Python 3.11+"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

## run: install, migrate the embedded SQLite database and serve on http://127.0.0.1:8000
run: venv
	$(BIN)/callqa migrate
	@echo "callqa admin API key (saved in .callqa-admin-key): $$($(BIN)/callqa keys ensure-admin --file .callqa-admin-key)"
	@echo "callqa: POST events to http://$${CALLQA_HOST:-127.0.0.1}:$${CALLQA_PORT:-8000}/v1/events with 'Authorization: Bearer <key>';"
	@echo "        console at /console, API docs at /docs; scripts/walkthrough.sh runs the README's curl walk-through"
	$(BIN)/callqa serve

migrate: venv
	$(BIN)/callqa migrate

## test: install, start PostgreSQL and Kafka (installing them if needed), lint, run every test
test:
	bash scripts/test.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis
