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

.PHONY: install run test stop lint lock clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(BIN)/python -m pip install --quiet uv
	$(UV) pip install --python $(BIN)/python --compile-bytecode $(TORCH_SOURCE) -r requirements.lock
	$(UV) pip install --python $(BIN)/python --compile-bytecode --no-deps -e .
	touch $@

run: install
	$(BIN)/akhbar run --feeds $(FEEDS)

test: install
	$(BIN)/python -m pytest -q

stop:
	test ! -x $(BIN)/akhbar || $(BIN)/akhbar db stop

lint: install
	$(BIN)/ruff check pipeline dags tests

lock:
	$(UV) pip compile pyproject.toml --extra dev $(TORCH_SOURCE) --python-version 3.11 --no-header -o requirements.lock

clean: stop
	rm -rf $(VENV) .akhbar
