# ContextMap: `make run` sets up, builds the sample database and starts the dashboard;
# `make test` sets up and runs the whole test suite. Both work on a fresh machine.
PY := .venv/bin/python
PORT ?= 8501

.PHONY: setup setup-dev system-packages run build run-force build-force test e2e bench docs clean

# Run-time packages only: what a deployed dashboard and the build need.
.venv/.installed: requirements.txt
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Test-only packages (pytest, hypothesis, playwright) on top, for `make test` and `make e2e`.
.venv/.installed-dev: .venv/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Debian's Chromium (browser tests, chart images in the meeting pack) and poppler (PDF checks).
system-packages:
	@command -v chromium >/dev/null && command -v pdftoppm >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO apt-get install -y -qq chromium chromium-driver poppler-utils fonts-dejavu-core >/dev/null; }

setup: .venv/.installed

setup-dev: .venv/.installed-dev

build: setup
	$(PY) -m pipelines build

run: build
	$(PY) -m streamlit run dashboard.py --server.port $(PORT)

# The West Yorkshire force-wide demo: the five councils' sample (data/sample_force) built with the
# force's geography into its own warehouse, so `make run` keeps serving the Kirklees sample.
FORCE := CONTEXTMAP_SETTINGS=contextmap-west-yorkshire.toml CONTEXTMAP_WAREHOUSE=data/warehouse-force

build-force: setup
	$(FORCE) $(PY) -m pipelines build --input data/sample_force

run-force: build-force
	$(FORCE) $(PY) -m streamlit run dashboard.py --server.port $(PORT)

test: setup-dev system-packages
	$(PY) -m pytest

e2e: setup-dev system-packages
	$(PY) -m pytest tests/e2e

bench: setup
	$(PY) -m pipelines.bench

docs: setup
	$(PY) -m pipelines.docs

clean:
	rm -rf data/warehouse data/warehouse-force test-artifacts .pytest_cache
