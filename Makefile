# The commands a person types. `make up` runs the whole suite; `make test` passes the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help
LOCAL := deploy/local

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

up: ## the whole suite: datastores, the six services and the gateway on https://localhost:8443
	@bash $(LOCAL)/suite.sh up

down: ## stop everything `make up` started
	@bash $(LOCAL)/suite.sh down

status: ## what runs, and whether each engine and service answers
	@bash $(LOCAL)/suite.sh status

stack-up: ## install (first time) and start the datastores, wait until each answers
	@bash $(LOCAL)/stack.sh up

stack-down: ## stop the datastores
	@bash $(LOCAL)/stack.sh down

stack-status: ## the datastores: running, and answering a real query now
	@bash $(LOCAL)/stack.sh status

sync: ## install the Python workspace into .venv
	@source $(LOCAL)/lib.sh && ensure_python

lint: sync ## ruff and mypy
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy libs/meridian-kit/src services/*/src

test: lint ## lint, then every test, the outage and two-instance ones included (brings the suite up)
	@bash $(LOCAL)/suite.sh test-deps
	@bash $(LOCAL)/suite.sh up
	MERIDIAN_OUTAGE_TESTS=$${MERIDIAN_OUTAGE_TESTS:-1} MERIDIAN_INSTANCE_TESTS=$${MERIDIAN_INSTANCE_TESTS:-1} \
	  uv run pytest -q $(PYTEST_ARGS)

images: ## build the six services' and the gateway's images (docker, else podman; see deploy/images)
	@bash deploy/images/images.sh build

containers-up: ## the services and gateway as containers on :8443 against the local engines (`make down && make stack-up` first)
	@bash deploy/images/containers.sh up

containers-down: ## stop the containers of `make containers-up`
	@bash deploy/images/containers.sh down

test-containers: ## build the images, run them beside the suite (ports +10000), e2e tests through them
	@bash $(LOCAL)/suite.sh up
	MERIDIAN_CONTAINER_TESTS=1 uv run pytest -q tests/containers $(PYTEST_ARGS)

test-instances: ## only the two-instance tests (`make test` runs them too): private instances beside the suite
	@bash $(LOCAL)/suite.sh up
	MERIDIAN_INSTANCE_TESTS=1 uv run pytest -q tests/instances $(PYTEST_ARGS)

bench: ## run the benchmarks (see bench/RESULTS.md)
	@bash $(LOCAL)/suite.sh up
	@for b in bench/*.py; do echo "== $$b"; uv run python $$b || exit 1; done

.PHONY: help up down status stack-up stack-down stack-status sync lint test bench images containers-up containers-down test-containers test-instances

cluster-up: ## the cluster profile: engines as small clusters on 127.0.0.2-4 (see deploy/local/cluster.sh)
	@bash $(LOCAL)/cluster.sh up

cluster-down: ## stop the cluster profile's nodes
	@bash $(LOCAL)/cluster.sh down

cluster-status: ## the cluster profile: nodes running, and each cluster whole now
	@bash $(LOCAL)/cluster.sh status

test-cluster: ## node-loss tests on the cluster profile (nightly-sized, ~5 min; not in `make test`)
	@bash $(LOCAL)/cluster.sh up
	MERIDIAN_CLUSTER_TESTS=1 uv run pytest -q -s tests/cluster $(PYTEST_ARGS)

.PHONY: cluster-up cluster-down cluster-status test-cluster
