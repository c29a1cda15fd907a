# Finestra: install, check, test, benchmark and build.
#
# Every target installs what it needs first: uv (from PyPI when the machine has none),
# the project environment (.venv, exactly as uv.lock pins it) and the SAM CLI
# environment (.venv-sam, pinned in infra/tools/sam-requirements.txt; the SAM CLI pins
# an older boto3 than the project, so it lives in an environment of its own).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test
.DELETE_ON_ERROR:

PYTHON ?= python3
UV_VERSION := 0.13.8
# A working `uv` on PATH wins; otherwise uv is installed into $(PYTHON) and run as a module.
ifeq ($(origin UV),undefined)
UV := $(if $(shell uv --version 2>/dev/null),uv,$(PYTHON) -m uv)
endif
RUN := $(UV) run --no-sync

VENV_SAM := .venv-sam
SAM_REQUIREMENTS := infra/tools/sam-requirements.txt
SAM_STAMP := $(VENV_SAM)/.installed-requirements
SAM := $(VENV_SAM)/bin/sam
CFN_LINT := $(RUN) cfn-lint
RUFF := $(RUN) ruff
MYPY := $(RUN) mypy
PYTEST := $(RUN) pytest
BACKFILL_RUN ?= backfill
BACKFILL_SEGMENTS ?= 8

TEMPLATE := template.yaml
REGION ?= eu-west-1
STACK ?= finestra
SAM_BUILD_DIR := .aws-sam/build
BUILD_DIR := .build
LAYER_REQUIREMENTS := $(BUILD_DIR)/layer-requirements.txt

# The layer targets Lambda's arm64 Python 3.11, whatever machine builds it.
LAYER_PLATFORM := aarch64-manylinux2014
LAYER_PYTHON := 3.11
SAM_PYTHON := 3.11

# No network but the package registries: never fetch a Python build, never send telemetry.
export UV_PYTHON_DOWNLOADS ?= never
export SAM_CLI_TELEMETRY := 0

# The desktop (desktop/): npm packages exactly as package-lock.json pins them, the
# production build in desktop/dist/, and Debian's Chromium for its browser tests.
DESKTOP := desktop
NPM ?= npm
NPM_STAMP := $(DESKTOP)/node_modules/.package-lock.json
DESKTOP_BUILT := $(DESKTOP)/dist/index.html
DESKTOP_SOURCES := $(shell find $(DESKTOP)/src $(DESKTOP)/public -type f 2>/dev/null) \
	$(DESKTOP)/index.html $(DESKTOP)/vite.config.ts $(DESKTOP)/tsconfig.json
CHROMIUM ?= /usr/bin/chromium

.PHONY: test install uv lint validate bench run build build-FinestraLayer clean \
	desktop desktop-test browser publish-desktop stats-backfill

# pytest runs on $(PYTEST_WORKERS) processes (pytest-xdist), each test file whole on one
# of them, so a file's module fixtures (a local city, say) start once.
PYTEST_WORKERS ?= auto

test: install lint validate desktop-test browser
	$(PYTEST) --numprocesses $(PYTEST_WORKERS) --dist loadfile --durations=20

install: uv $(SAM_STAMP) desktop
	$(UV) sync --frozen

desktop: $(DESKTOP_BUILT)

$(NPM_STAMP): $(DESKTOP)/package-lock.json $(DESKTOP)/package.json
	cd $(DESKTOP) && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

$(DESKTOP_BUILT): $(NPM_STAMP) $(DESKTOP_SOURCES)
	cd $(DESKTOP) && $(NPM) run --silent build

# Uploads desktop/dist/ and its config.json to the deployed stack's desktop bucket and
# invalidates /index.html and /config.json (boto3, with the deployer's AWS credentials).
publish-desktop: desktop
	$(RUN) python infra/tools/publish_desktop.py --stack-name $(STACK) --region $(REGION)

# The desktop's lint, type check and unit tests, then its browser tests against a mock
# of the desk API; tests/browser/ runs desktop/e2e/live/ against the local city.
desktop-test: desktop browser
	cd $(DESKTOP) && $(NPM) run --silent lint && $(NPM) run --silent test
	cd $(DESKTOP) && CHROMIUM=$(CHROMIUM) $(NPM) run --silent e2e

browser:
	CHROMIUM=$(CHROMIUM) bash $(DESKTOP)/scripts/ensure-chromium.sh

uv:
	@$(UV) --version >/dev/null 2>&1 || \
		PIP_BREAK_SYSTEM_PACKAGES=1 $(PYTHON) -m pip install --quiet \
			--disable-pip-version-check "uv==$(UV_VERSION)"

# Rebuilt only when the pinned SAM requirements change (or the environment is gone).
$(SAM_STAMP): $(SAM_REQUIREMENTS) | uv
	rm -rf $(VENV_SAM)
	$(UV) venv --quiet --python $(SAM_PYTHON) $(VENV_SAM)
	$(UV) pip install --quiet --python $(VENV_SAM)/bin/python --requirement $(SAM_REQUIREMENTS)
	touch $@

lint: install
	$(RUFF) check .
	$(RUFF) format --check .
	$(MYPY) layers functions infra/local tests

# Both checks run offline. Plain `sam validate` builds an IAM client to resolve managed
# policies given by name (and asks for credentials when it needs one); `--lint` runs only
# cfn-lint, which transforms the SAM template itself and needs no credentials or network.
validate: install
	$(CFN_LINT) -- $(TEMPLATE)
	$(SAM) validate --lint --template $(TEMPLATE) --region $(REGION)

bench: install
	$(RUN) python -m tests.benchmarks

# The local stack, in the foreground until Ctrl-C: moto on 127.0.0.1 with every resource
# of the template, the handlers in-process, and the queue, stream and schedule triggers.
run: install
	$(RUN) python -m finestra_local

# One-off: count the requests stored before the statistics function into the report
# counters (a parallel Scan, resumable under the same BACKFILL_RUN; see
# layers/finestra/finestra/stats/backfill.py).
stats-backfill: install
	$(RUN) python -m finestra.stats.backfill --run "$(BACKFILL_RUN)" --segments $(BACKFILL_SEGMENTS)

# Built in the source tree: the layer's ContentUri is the project root, and SAM would
# otherwise copy both virtual environments into a scratch folder first.
build: install
	$(SAM) build --template $(TEMPLATE) --build-dir $(SAM_BUILD_DIR) --build-in-source

# Run by `sam build` (BuildMethod: makefile) with ARTIFACTS_DIR set; the layer is mounted
# at /opt, so python/ lands on sys.path and finestra-config/ at /opt/finestra-config, with
# prices.json beside it as in the source tree (the desk's reply counter reads it).
build-FinestraLayer:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is unset: run 'make build'" >&2; exit 1; }
	mkdir -p $(BUILD_DIR) "$(ARTIFACTS_DIR)/python/finestra" "$(ARTIFACTS_DIR)/finestra-config"
	$(UV) export --quiet --frozen --no-dev --no-hashes --no-emit-project \
		--format requirements-txt --output-file $(LAYER_REQUIREMENTS)
	$(UV) pip install --quiet --target "$(ARTIFACTS_DIR)/python" \
		--python-platform $(LAYER_PLATFORM) --python-version $(LAYER_PYTHON) \
		--only-binary :all: --requirement $(LAYER_REQUIREMENTS)
	cp -R layers/finestra/finestra/. "$(ARTIFACTS_DIR)/python/finestra/"
	cp -R infra/config/. "$(ARTIFACTS_DIR)/finestra-config/"
	cp infra/prices.json "$(ARTIFACTS_DIR)/prices.json"
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +

# Removes what builds and checks leave behind; the two environments stay.
clean:
	rm -rf .aws-sam $(BUILD_DIR) .pytest_cache .mypy_cache .ruff_cache
	rm -rf $(DESKTOP)/dist
	find . \( -path ./.git -o -path ./.venv -o -path ./$(VENV_SAM) -o -path ./$(DESKTOP)/node_modules \) \
		-prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
