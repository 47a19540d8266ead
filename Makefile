# Self-service platform: every target a newcomer or CI needs. `make help` lists them.
SHELL := /bin/bash
PY := .venv/bin/python
STAMP := .venv/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
# Stop the test infrastructure after `make test` in CI; keep it running locally (faster reruns).
STOP_INFRA ?= $(if $(CI),1,)
PYTEST_ARGS ?=
LINT_PATHS := kit schemas services gateway infra/overview_stub infra/seed infra/k8s infra/demo.py tests bench

.DEFAULT_GOAL := help
.PHONY: demo help venv run run-real infra-up infra-down lint format test test-faults test-fast openapi frontend-assets bench bench-hot bench-submit bench-bus bench-notifications bench-gateway bench-lists bench-profile bench-overview bench-appointments clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f .venv/.installed-* && touch $(STAMP)

venv: $(STAMP) ## Create .venv with the pinned dependencies

run: venv ## Run every process with embedded defaults (SQLite, embedded bus); Ctrl-C stops all
	@$(PY) -m kit.launcher

run-real: venv infra-up ## Run every process against the local Kafka broker and PostgreSQL
	@KAFKA_BOOTSTRAP=$$(infra/kafka.sh bootstrap) \
	 DATABASE_URL="$$(infra/postgres.sh url '{service}')" $(PY) -m kit.launcher

infra-up: ## Start Kafka (KRaft) and Keycloak (Maven Central), PostgreSQL and coturn (Debian)
	@infra/kafka.sh start >/dev/null
	@infra/postgres.sh start >/dev/null
	@infra/keycloak.sh start >/dev/null
	@infra/coturn.sh start >/dev/null

infra-down: ## Stop Kafka, PostgreSQL, Keycloak and coturn
	@infra/kafka.sh stop
	@infra/postgres.sh stop
	@infra/keycloak.sh stop
	@infra/coturn.sh stop

lint: venv ## ruff (lint and format check) and mypy
	@$(PY) -m ruff check $(LINT_PATHS)
	@$(PY) -m ruff format --check --quiet $(LINT_PATHS) || (echo "run: make format"; exit 1)
	@$(PY) -m mypy

format: venv ## Apply the formatter (ruff format) and the import order fixes
	@$(PY) -m ruff format --quiet $(LINT_PATHS)
	@$(PY) -m ruff check --select I --fix --quiet $(LINT_PATHS)

test: venv lint infra-up ## Lint; start Kafka, PostgreSQL, Keycloak, Chromium; run every test
	@rc=0; SB_CHROMIUM=$$(infra/chromium.sh) KAFKA_BOOTSTRAP=$$(infra/kafka.sh bootstrap) \
	  SB_TEST_POSTGRES_URL=$$(infra/postgres.sh url) \
	  SB_TEST_KEYCLOAK_ISSUER=$$(infra/keycloak.sh url) SB_REQUIRE_REAL_INFRA=1 \
	  SB_TEST_TURN_URL=$$(infra/coturn.sh url) SB_TEST_TURN_SECRET=$$(infra/coturn.sh secret) \
	  $(PY) -m pytest -m "not faults" $(PYTEST_ARGS) || rc=$$?; \
	  if [ -n "$(STOP_INFRA)" ]; then $(MAKE) --no-print-directory infra-down; fi; \
	  exit $$rc

test-faults: venv ## Only the fault tests: kill -9, Kafka and PostgreSQL outages (private servers)
	@SB_REQUIRE_REAL_INFRA=1 $(PY) -m pytest -m faults tests/faults $(PYTEST_ARGS)

test-fast: venv ## Only the tests that need no broker, database, identity server or browser
	@$(PY) -m pytest -m "not kafka and not postgres and not keycloak and not browser" \
	  $(PYTEST_ARGS)

openapi: venv ## Regenerate the OpenAPI documents in docs/api/ from the code
	@SB_VAR_DIR=$$(mktemp -d) $(PY) -m kit.export_openapi

frontend-assets: ## Rebuild the checked-in design system (dkfds) and axe-core from npm (needs npm)
	@infra/frontend_assets.sh

bench: bench-hot bench-submit bench-bus bench-notifications bench-overview bench-appointments ## All benchmarks (docs/BENCHMARKS.md)

bench-hot: venv ## Issue 18's hot paths next to their ceilings, one table into docs/BENCHMARKS.md
	@infra/wrk.sh >/dev/null && infra/postgres.sh start >/dev/null && \
		SB_BENCH_POSTGRES_URL=$$(infra/postgres.sh url) $(PY) -m bench.hot_paths

bench-submit: venv ## Submit through the gateway (wrk) and end to end at 100/s, embedded and PostgreSQL + Kafka
	@infra/wrk.sh >/dev/null && infra/postgres.sh start >/dev/null && $(PY) -m bench.bench_submit

bench-bus: venv infra-up ## Bus throughput and latency: embedded, Kafka, raw kafka-python
	@KAFKA_BOOTSTRAP=$$(infra/kafka.sh bootstrap) $(PY) -m bench.bench_bus

bench-notifications: venv infra-up ## Notifications, event -> sent on PostgreSQL + Kafka (median of 3, raw bus ceiling), its row into docs/BENCHMARKS.md
	@KAFKA_BOOTSTRAP=$$(infra/kafka.sh bootstrap); URL=$$(infra/postgres.sh url); \
	$(PY) -m services.notifications.bench --postgres-admin-url "$$URL" --kafka "$$KAFKA_BOOTSTRAP" \
		--events 2000 --runs 3 --write-table

bench-gateway: venv ## Authenticated read via the gateway and the service vs the ceilings (wrk)
	@infra/wrk.sh >/dev/null && $(PY) -m bench.bench_gateway

bench-lists: venv ## List endpoints at 1,000 and at 1,000,000 rows on PostgreSQL, p99 side by side (wrk)
	@infra/wrk.sh >/dev/null && infra/postgres.sh start >/dev/null && \
		SB_BENCH_POSTGRES_URL=$$(infra/postgres.sh url) $(PY) -m bench.bench_lists

bench-profile: venv ## Flame graph of the service read and the gateway read under wrk (py-spy)
	@infra/wrk.sh >/dev/null && $(PY) -m bench.profile service && $(PY) -m bench.profile gateway

bench-overview: venv ## Mit Overblik connector: resync of 100,000 cases (< 60 s) and the stub's ceiling (wrk); writes its rows
	@infra/wrk.sh >/dev/null && $(PY) -m services.overview.bench --table

bench-appointments: venv infra-up ## Bookings per second and p99 under contention
	@SB_TEST_POSTGRES_URL=$$(infra/postgres.sh url) $(PY) -m services.appointments.bench

demo: venv ## A year of demo data through the real APIs of a running `make run` (docs/insight.md)
	@$(PY) -m infra.demo

clean: ## Remove the virtual environment and local state (var/)
	rm -rf .venv var
