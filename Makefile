# The two commands a newcomer needs: `make up` (run the system) and `make test` (run every test).
.PHONY: up down status demo test test-fast lint format bench bench-replay bench-startup bench-startup-notifier deps oidc-deps prereqs kafka-start kafka-stop topics docs clean

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

up: deps  ## Start Kafka, create topics, start every service with SQLite stores; print URLs and keys.
	deploy/local/up.sh

demo: deps  ## `make up` on accelerated time (1 s = 1 min), then several offices' complaints flow in.
	DEMO_TIME_FACTOR=$${DEMO_TIME_FACTOR:-60} deploy/local/up.sh
	$(VENV)/bin/python -m demo.feed

down:  ## Stop the services and Kafka (stores and topics are kept in .state/).
	deploy/local/down.sh

status:  ## Each process of `make up`: running or not, pid, uptime (supervisord).
	$(VENV)/bin/supervisorctl -c $${STATE_DIR:-.state}/supervisord.conf status

test: deps  ## The whole suite: starts a real Kafka (and PostgreSQL) itself.
	$(VENV)/bin/pytest

test-fast: deps  ## Only the tests that need neither Kafka, PostgreSQL nor a browser.
	$(VENV)/bin/pytest -m "not kafka and not postgres and not browser"

SIZE ?= small
STORE ?= sqlite
BENCH_PORT ?= $(or $(TEST_KAFKA_PORT),19592)
bench: deps  ## Intake/relay beside raw aiokafka, then the whole system (SIZE=small|10k|100k|1m, STORE=sqlite|postgres).
	$(VENV)/bin/python -m bench.run --port $(BENCH_PORT)
	$(VENV)/bin/python -m bench.system --size $(SIZE) --store $(STORE) --port $(BENCH_PORT)

COMPLAINTS ?= 3000
bench-replay: deps  ## The auditors' replay beside raw aiokafka consume, same run (COMPLAINTS=3000 ≈ 50k events, STORE).
	$(VENV)/bin/python -m bench.replay --complaints $(COMPLAINTS) --store $(STORE) --port $(BENCH_PORT)

SIZES ?= 10000,100000
bench-startup: deps  ## Every service's start-up time and peak memory at each history size (SIZES=10000,100000; SQLite).
	$(VENV)/bin/python -m bench.startup --sizes $(SIZES) --port $(BENCH_PORT)

bench-startup-notifier: deps  ## The notifier worker's start-up time and peak memory on each history size's ledger (SIZES).
	$(VENV)/bin/python -m bench.startup_notifier --sizes $(SIZES) --port $(BENCH_PORT)

lint: deps  ## ruff (lint + format), mypy (strict on the contracts and every domain), import contracts.
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

docs: deps  ## Regenerate the event catalogue (docs/events.md), the JSON Schemas, docs/asyncapi.json and docs/refusals.md.
	$(VENV)/bin/python -m shared.contracts.catalogue_doc --write
	$(VENV)/bin/python -m shared.refusals --write
	$(VENV)/bin/python -m shared.contracts.asyncapi --write

prereqs:
	PYTHON=$(PYTHON) deploy/prereqs.sh

deps: prereqs $(STAMP) oidc-deps

oidc-deps:  ## The development sign-in issuer's node packages (deploy/oidc/package-lock.json), if node is here.
	deploy/oidc/ensure.sh

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[test]"
	deploy/kafka/kafka.sh fetch
	touch $(STAMP)

kafka-start:
	deploy/kafka/kafka.sh start

kafka-stop:
	deploy/kafka/kafka.sh stop

topics: deps
	$(VENV)/bin/python -m shared.bus.topics create

clean: down
	rm -rf .state
