# The two commands a newcomer runs:  make demo   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml setup.py bot/engine/_speedups.c | cksum | cut -d' ' -f1)

.PHONY: demo test lint format bench eval demo-services clean

$(STAMP): pyproject.toml setup.py bot/engine/_speedups.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

## Offline investigation of the example incident (no Slack, no LLM, no network).
demo: $(STAMP)
	@$(BIN)/logiq investigate examples/vm-timeout/case.yaml --llm off

## The whole test suite against a real Redis (started here if none answers).
test: $(STAMP)
	@. scripts/ensure-redis.sh && $(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	@$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP)
	@$(BIN)/ruff format . && $(BIN)/ruff check --fix .

eval: $(STAMP)
	@$(BIN)/logiq eval

## Local Loki/Jira fakes + a real Prometheus over examples/checkout-latency; investigate; stop.
demo-services: $(STAMP)
	@$(BIN)/python scripts/demo_services.py $(DEMO_ARGS)

bench: $(STAMP)
	@$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info bot/engine/*.so
