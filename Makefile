# Akhbar: two commands do all the set-up.
#   make run   - install, start the embedded PostgreSQL, migrate, ingest the bundled sample feeds
#   make test  - install, run the whole test suite against a throwaway PostgreSQL
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
# torch is pinned to its CPU build (see README). Where a local wheel folder holds it, use it;
# otherwise take it from the PyTorch CPU index.
TORCH_WHEELS ?= /opt/wheels
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_SOURCE := $(if $(wildcard $(TORCH_WHEELS)/torch-*.whl),--find-links $(TORCH_WHEELS),--extra-index-url $(TORCH_INDEX) --index-strategy unsafe-best-match)
FEEDS ?= pipeline/data/samples/feeds.yaml

.PHONY: install run test stop lint lock clean system-deps

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(BIN)/python -m pip install --quiet uv
	$(UV) pip install --python $(BIN)/python --compile-bytecode $(TORCH_SOURCE) -r requirements.lock
	$(UV) pip install --python $(BIN)/python --compile-bytecode --no-deps -e .
	touch $@

run: install
	$(BIN)/akhbar run --feeds $(FEEDS)

# Debian packages the tests need beyond PostgreSQL: headless Chromium renders the report.
# Installed once when missing (as root, or through passwordless sudo); quiet otherwise.
SYSTEM_PACKAGES ?= chromium
system-deps:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "missing: $(SYSTEM_PACKAGES); install them with apt-get as root" >&2; exit 1; fi; \
	  echo "installing $(SYSTEM_PACKAGES) with apt-get"; \
	  $$SUDO apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    $(SYSTEM_PACKAGES) >/dev/null; }

test: install system-deps
	$(BIN)/python -m pytest -q

stop:
	test ! -x $(BIN)/akhbar || $(BIN)/akhbar db stop

lint: install
	$(BIN)/ruff check pipeline dags tests scripts benchmarks

lock:
	$(UV) pip compile pyproject.toml --extra dev $(TORCH_SOURCE) --python-version 3.11 --no-header -o requirements.lock

clean: stop
	rm -rf $(VENV) .akhbar
