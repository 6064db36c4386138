SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONPATH := $(CURDIR)

.PHONY: install run test screenshots lint fmt bench bench-compare bench-instructions fuzz soak canary-demo key-drill migrate clean handover

$(PY):
	python3 -m venv $(VENV)

$(UV): | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --inexact --quiet
	touch $@

install: $(VENV)/.synced

run: install
	AUTH_ENVIRONMENT=$${AUTH_ENVIRONMENT:-local} \
	AUTH_PUBLIC_BASE_URL=$${AUTH_PUBLIC_BASE_URL:-http://$(HOST):$(PORT)} \
	$(PY) -m apps.auth.setup.serve --host $(HOST) --port $(PORT) --announce

test: install
	./scripts/ci-tools.sh
	./scripts/ensure-services.sh
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The browser tests again, writing their screenshots into docs/screenshots.
screenshots: install
	./scripts/ci-tools.sh
	AUTH_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(VENV)/bin/pytest apps/auth/tests/browser

bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	./scripts/ensure-services.sh
	$(PY) -m benchmarks.bench

# The API at another commit against this checkout's, side by side in one run: `make bench-compare REF=main~3`.
bench-compare: install
	@test -n "$(REF)" || (echo "usage: make bench-compare REF=<commit>" >&2; exit 2)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	./scripts/ensure-services.sh
	$(PY) -m benchmarks.compare $(REF) $(if $(ROUNDS),--rounds $(ROUNDS))

# Instructions per `/refresh`, counted by callgrind: the same on every machine, so a change's
# effect on the work per request is exact. `REF=<commit>` counts that commit too, side by side.
bench-instructions: install
	command -v valgrind >/dev/null || (apt-get update -qq && apt-get install -y -qq valgrind)
	./scripts/ensure-services.sh
	$(PY) -m benchmarks.instructions $(REF)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	[ "$(PIP_AUDIT)" = skip ] || ./scripts/pip-audit.sh

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The migration Job's own entry point: upgrades only what it knows, records the lineage an
# older image later needs (RUNBOOK, "Schema"); a plain `alembic upgrade` would record none.
migrate: install
	$(PY) -m apps.auth.setup.migrate

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Make ends a failed recipe with its own status 2: the demo's (3 = roll back, 1 = the demo
# failed) is the recipe's last line and make's `Error 3`.
canary-demo: install
	./scripts/ci-tools.sh
	@$(PY) -m benchmarks.canary_demo $(ARGS) || { status=$$?; \
	  echo "canary-demo: exit status $$status ($$([ $$status = 3 ] && echo roll back || echo the demo failed))" >&2; \
	  exit $$status; }

fuzz: install
	./scripts/ensure-services.sh
	$(PY) -m benchmarks.fuzz --examples $${FUZZ_EXAMPLES:-500}

# Every key and claim change of the RUNBOOK's step 4 on real processes, then the control run
# without the acceptance settings (about 15 minutes; `ARGS=--short` for the suite's pace).
key-drill: install
	./scripts/ensure-services.sh
	$(PY) -m benchmarks.key_drill $(ARGS)

soak: install
	./scripts/ensure-services.sh
	$(PY) -m benchmarks.soak --duration $${SOAK_DURATION:-600}

# This project into a clean checkout of eco2-team/backend: branch auth-v2-handover, one commit
# per step (tools/handover, docs/delivery.md#handover).
handover: install
	@test -n "$(ECO2)" || (echo "usage: make handover ECO2=<clean checkout of eco2-team/backend>" >&2; exit 2)
	$(PY) -m tools.handover "$(ECO2)"
