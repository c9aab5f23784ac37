# Contactpunt: `make run` starts everything on loopback; `make test` runs every test.
# Rasa 3.6 runs on Python 3.8-3.10 only: this project pins 3.10 (.python-version, pyproject.toml).

SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10; do \
            if $$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The widget's front-end packages (socket.io client), from npm, exactly as package-lock.json says.
NODE_STAMP := node_modules/.package-lock.json
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0
# No usage data leaves this machine.
export RASA_TELEMETRY_ENABLED := false

.PHONY: help run test train node-deps eval thresholds learning-curve compare-pipelines validate sample-report system-deps fuzz soak bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.10 is required (Rasa 3.6 supports 3.8-3.10)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip<24.1" "setuptools<70" wheel
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/pip check
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "Installing nodejs npm (apt)"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error

node-deps: $(NODE_STAMP)  ## install the widget's socket.io client from npm (package-lock.json)

system-deps:  ## install Chromium, ChromeDriver (browser tests), PostgreSQL (queue tests) and Redis (scale-out tests): Debian packages
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$missing (apt)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

train: $(STAMP)  ## train the model (skipped by Rasa when data, domain and config are unchanged)
	$(BIN)/contactpunt check-profile
	$(BIN)/rasa train --quiet
	$(BIN)/contactpunt seal-model

run: train $(NODE_STAMP)  ## install, train when needed, start Rasa + actions + widget + console on loopback
	$(BIN)/contactpunt run

test: $(STAMP) system-deps train $(NODE_STAMP)  ## run every test (pytest: units, rasa data validate, rasa test stories, browser)
	$(BIN)/pytest

eval: train  ## types (P/R/F1, confusion) and flags (P/R, check-question rate) on the blind test and development sets, apart; parse speed -> docs/
	$(BIN)/contactpunt eval

thresholds: train  ## choose the safeguarding model's thresholds on the development sets (prints them for config.yml)
	$(BIN)/contactpunt choose-thresholds

learning-curve: $(STAMP)  ## train on 1/4, 1/2, all of the data and score each on the development sets -> docs/learning-curve.md
	$(BIN)/contactpunt learning-curve

compare-pipelines: $(STAMP)  ## train and score each NLU pipeline candidate -> docs/nlu-pipelines.md
	$(BIN)/contactpunt compare-pipelines

FUZZ_SEED ?= $(shell date +%Y%m%d)
FUZZ_COUNTS := results/fuzz-counts.json

fuzz: $(STAMP) system-deps train $(NODE_STAMP)  ## the fuzz tests with many more inputs (seed FUZZ_SEED, default today) -> docs/reliability.md
	@mkdir -p results && rm -f $(FUZZ_COUNTS)
	@started=$$(date +%s); code=0; \
	CONTACTPUNT_FUZZ=deep CONTACTPUNT_FUZZ_COUNTS=$(FUZZ_COUNTS) $(BIN)/pytest -m fuzz -q --hypothesis-seed=$(FUZZ_SEED) || code=$$?; \
	$(BIN)/python -m tests.fuzz_report $(FUZZ_COUNTS) --seed $(FUZZ_SEED) --seconds $$(( $$(date +%s) - started )) --exit-code $$code

soak: $(STAMP) system-deps train $(NODE_STAMP)  ## 30 minutes of scripted conversations with handoffs on the whole system: errors, memory, files, nothing lost -> docs/reliability.md
	$(BIN)/python -m tests.soak --minutes $${SOAK_MINUTES:-30}

bench: $(STAMP) train $(NODE_STAMP)  ## load benchmark: 1/10/50/100 reporters and saturation, Contactpunt (1 and 2 Rasa processes) and plain Rasa over socket.io -> docs/performance.md (about 15-20 min)
	$(BIN)/contactpunt bench $(BENCH_OPTIONS)

sample-report: $(STAMP)  ## render the periodic report from fictional data -> docs/sample-report/
	$(BIN)/contactpunt report --sample --from 2026-01 --to 2026-10 --out docs/sample-report

validate: $(STAMP)  ## rasa data validate (responses used only by actions are reported as unused: see docs/decisions.md)
	$(BIN)/rasa data validate

clean:  ## remove the virtualenv, models and test results
	rm -rf $(VENV) models results .pytest_cache
