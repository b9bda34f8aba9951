# Trivium: `make run` starts the suite locally, `make test` checks everything CI checks.
# Both set themselves up on a machine that has only Python >= 3.11 and make: uv is installed into
# .tools/ when it is not on PATH, then `uv sync` installs the locked workspace into .venv/.

PYTHON ?= python3
UV_VERSION := 0.13.9
PRIVATE_UV := $(CURDIR)/.tools/uv/bin/uv
UV := $(or $(shell command -v uv 2>/dev/null),$(PRIVATE_UV))
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
SYNCED := $(VENV)/.synced
MEMBER_PROJECTS := $(wildcard */pyproject.toml */*/pyproject.toml)
PYTEST_ARGS ?=

.PHONY: run demo observe browser promtool haproxy images test test-repeat lint format contracts chaos bench clean distclean setup

setup: $(SYNCED)

$(PRIVATE_UV):
	@echo "uv not found on PATH: installing uv $(UV_VERSION) into .tools/uv"
	@$(PYTHON) -m pip install --quiet --disable-pip-version-check --target .tools/uv "uv==$(UV_VERSION)" \
	  || { $(PYTHON) -m venv .tools/venv && .tools/venv/bin/python -m pip install --quiet "uv==$(UV_VERSION)" \
	       && mkdir -p .tools/uv/bin && ln -sf $(CURDIR)/.tools/venv/bin/uv $(PRIVATE_UV); }

# The installed packages are compiled to bytecode once, here, as the Dockerfiles do: with
# PYTHONDONTWRITEBYTECODE set (common in containers), every service, worker and CLI process a test
# starts would otherwise compile its imports from source again, more than half of its start.
# The Makefile is a prerequisite so that a change to this recipe re-runs it on an existing .venv.
$(SYNCED): uv.lock pyproject.toml $(MEMBER_PROJECTS) Makefile | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

# Services log warnings and errors only; `make run LOG=info` (or debug) streams more.
# `make run SCALE=2`: two replicas of every service and two gateway instances, each group behind
# one HAProxy address (installed here when missing, as root).
SCALE ?= 1
run: $(SYNCED) $(if $(filter-out 1,$(SCALE)),haproxy)
	$(PY) deploy/local/devstack.py $(if $(LOG),--log-level $(LOG)) $(if $(ERP),--erp $(ERP)) --scale $(SCALE)

# On a running `make run`: every flow as its users take it, one line per step; exit 0 when all
# did what they say.
demo: $(SYNCED)
	$(PY) deploy/local/demo.py $(if $(ERP),--erp $(ERP))

lint: $(SYNCED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(SYNCED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Prometheus against `make run`'s ports, with the alert rules, on http://127.0.0.1:9090
# (OBSERVE_PORT=...), its data under .run/prometheus: run it beside `make run`.
OBSERVE_PORT ?= 9090
observe: promtool
	@mkdir -p .run/prometheus
	prometheus --config.file=$(or $(wildcard .run/prometheus.yml),deploy/observability/prometheus/prometheus.yml) \
	  --storage.tsdb.path=.run/prometheus --web.listen-address=127.0.0.1:$(OBSERVE_PORT)

# The container images of deploy/docker-compose.yml (Docker with BuildKit): first the base that
# every Python service's own Dockerfile starts from (deploy/docker/python-service.Dockerfile),
# then the stack's.
images:
	docker build -f deploy/docker/python-service.Dockerfile -t trivium/python-service .
	docker compose -f deploy/docker-compose.yml build

# The partner portal's browser test needs Chromium: installed here when missing (as root).
browser:
	@deploy/local/ensure-chromium

# The alert rule tests need promtool, `make observe` prometheus (Debian's prometheus package):
# installed here when missing (as root).
promtool:
	@deploy/observability/ensure-prometheus

# The scale-out tests (`pytest -m cluster`) and `make run SCALE=2` put HAProxy (Debian's haproxy
# package) in front of replicas: installed here when missing (as root).
haproxy:
	@deploy/local/ensure-haproxy

# Test runs keep the bytecode of the workspace's sources and of pytest's rewritten test modules
# (in the ignored __pycache__ folders) even where PYTHONDONTWRITEBYTECODE is set: collecting the
# suite then takes less than half the CPU (4.6 s instead of 10.9 s).
TEST_ENV := env -u PYTHONDONTWRITEBYTECODE

test: lint browser promtool haproxy
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# The same selection N times in a row (no lint), one line per run, then which runs failed and on
# which tests: `make test-repeat N=20 PYTEST_ARGS="process-apis/customer-sync/tests -q"`.
N ?= 10
test-repeat: $(SYNCED)
	$(TEST_ENV) $(PY) tools/repeat_tests.py --runs $(N) -- $(PYTEST_ARGS)

# Two passes: the first rewrites contracts/pacts/ and contracts/openapi/ from the consumer tests
# and the apps (provider verifications skip), the second verifies every provider against them.
contracts: $(SYNCED)
	TRIVIUM_CONTRACTS_UPDATE=1 $(TEST_ENV) $(PY) -m pytest -q -m contract $(PYTEST_ARGS)
	$(TEST_ENV) $(PY) -m pytest -m contract $(PYTEST_ARGS)

# The long fault scenarios (CI runs short ones inside `make test`): 500 orders, 50 worker kills,
# two Redis restarts under 100 orders, 1,000 account edits through a dirty org, more generated
# requests per operation. TRIVIUM_CHAOS_SEED=<n> replays a run's dice.
chaos: $(SYNCED)
	TRIVIUM_CHAOS_ORDERS=$${TRIVIUM_CHAOS_ORDERS:-500} TRIVIUM_CHAOS_KILLS=$${TRIVIUM_CHAOS_KILLS:-50} \
	  TRIVIUM_CHAOS_EDITS=$${TRIVIUM_CHAOS_EDITS:-1000} TRIVIUM_FUZZ_EXAMPLES=$${TRIVIUM_FUZZ_EXAMPLES:-50} \
	  $(TEST_ENV) $(PY) -m pytest tests/test_faults.py \
	  tests/test_hostile_input.py::TestGeneratedRequests \
	  process-apis/customer-sync/tests/integration/test_dirty_org.py::TestDirtyOrg \
	  --timeout=3600 $(PYTEST_ARGS)

bench: $(SYNCED)
	$(PY) bench/run.py

clean:
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path "./.venv/*" -exec rm -rf {} +

distclean: clean
	rm -rf .venv .tools
