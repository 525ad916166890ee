# The two commands of the README: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WEB_STAMP := web/static/dist/.built

.PHONY: run test setup web lint typecheck pytest bench bench-cluster bench-reconnect soak clean

OIDC_STAMP := tests/oidc/node_modules/.package-lock.json

setup: $(STAMP) $(WEB_STAMP) $(OIDC_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund

# The OpenID Connect provider the single sign-on tests sign in against (tests/oidc_provider.py).
$(OIDC_STAMP): tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund

# The bundle holds the catalogues' words (server/catalogue/) and the default label sets too.
$(WEB_STAMP): web/node_modules/.package-lock.json $(shell find web/src -type f 2>/dev/null) web/build.mjs \
		$(wildcard server/catalogue/*.json web/static/labels/*.json web/static/*.css web/static/*.svg)
	cd web && npm run --silent build
	touch $(WEB_STAMP)

web: $(WEB_STAMP)

run: setup
	$(BIN)/kring migrate
	$(BIN)/kring demo
	$(BIN)/kring serve

lint: $(STAMP)
	$(BIN)/ruff check server tests $(wildcard bench)
	$(BIN)/ruff format --check server tests $(wildcard bench)

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -q -ra

test: lint typecheck pytest

# The reference server `make bench` runs beside Kring (bench/reference/package.json and its lock).
bench/reference/node_modules/.package-lock.json: bench/reference/package.json bench/reference/package-lock.json
	cd bench/reference && npm ci --no-audit --no-fund

# Kring beside y-websocket, same phones, alternating (a few minutes; BENCH_ARGS="--quick", "--runs 2").
bench: setup bench/reference/node_modules/.package-lock.json
	$(BIN)/python -m bench $(BENCH_ARGS)

# Two processes behind HAProxy (deploy/haproxy.cfg) hashing on the room, beside one process.
bench-cluster: setup
	bench/cluster.sh

# By hand, not in CI: 1,000 phones running web/src/provider.js through two server restarts (a few
# minutes; docs/performance.md, "Reconnect after a restart").
bench-reconnect: setup
	$(BIN)/python -m bench.reconnect

# By hand, not in CI: 40 minutes at 1,000 phones, eight rounds of meetings (docs/performance.md, "Soak").
soak: setup
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) web/node_modules web/static/dist bench/reference/node_modules
