# Two commands do all set-up on a fresh clone:
#   make docs   run the page examples and notebooks, build the site strictly, serve it on http://127.0.0.1:8000
#   make test   run the whole test suite (unit tests, every page's examples, docstrings, strict site build with the
#               notebooks rendered as the suite executed them, link check, and a headless-Chromium test of the served site)
# Also: make site (build only, into site/), make serve (mkdocs' live-reloading server), make bench.
#   make robustness   every page's examples, the notebooks and the docstrings again under seed offsets 0-4 x
#               threads 1 and 4 (10 runs; resumable: one folder per run under .robustness/, a finished piece is
#               skipped), then docs/robustness.json (committed; the Verification page and the stamps show it).
#               Pieces: make robustness OFFSETS="0 1" THREADS=1 PIECES="docs/fundamentals dlkit"; aggregate only:
#               $(PY) -m tools.robustness aggregate
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
export NO_MKDOCS_2_WARNING := 1
STAMP  := $(VENV)/.dlkit-installed
# pytest-xdist processes for the page examples and unit tests (one thread each).
WORKERS ?= 2
# The browser test drives Debian's chromium; set DLKIT_CHROMIUM to use another Chromium/Chrome binary instead.
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: docs site serve test bench robustness install chromium clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Re-installs when pyproject.toml changes. torch resolves to the release on this machine's disk.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --progress-bar off -e ".[docs,test]"
	touch $@

install: $(STAMP)

# The site shows the figures, outputs and verification stamps of the page examples: run them first (this writes
# docs/generated/, the notebooks' executed copies included), then build strictly and serve exactly what was built. A failing claim
# does not stop the site: its page's banner names the claim and the values that broke it (make test stays strict).
docs: site
	@echo "Serving site/ on http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(PY) -m http.server 8000 --bind 127.0.0.1 --directory site

site: $(STAMP)
	@DLKIT_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest docs -q -n $(WORKERS) --dist loadfile || echo "*** Some page examples failed: the site is built anyway and their pages' banners say what failed."
	$(PY) -m mkdocs build --strict

# Live reload while writing (rebuilds on every change; a notebook shows its last executed copy: rerun
# `pytest docs/projects/<name>.py` after editing it).
serve: $(STAMP)
	$(PY) -m mkdocs serve --strict --dev-addr 127.0.0.1:8000

chromium:
	@[ -n "$$DLKIT_CHROMIUM" ] || command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

# The suite in two steps: first everything but the site tests, on $(WORKERS) processes (pytest-xdist; a page's
# examples stay in one process, in order, and each process uses one thread: the robustness sweep checks every claim
# at 1 and at 4 threads), then the strict build, the link check and the browser test, which need every page's
# results (collected from tests/site alone). A plain `pytest` runs the same tests in one process, in the same order.
test: $(STAMP) chromium
	DLKIT_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest -n $(WORKERS) --dist loadfile -m "not site"
	$(PY) -m pytest tests/site -m site

bench: $(STAMP)
	$(PY) bench/run.py

OFFSETS ?= 0 1 2 3 4
THREADS ?= 1 4
PIECES  ?=
robustness: $(STAMP)
	$(PY) -m tools.robustness run --offsets $(OFFSETS) --threads $(THREADS) $(PIECES)

clean:
	rm -rf site docs/generated .pytest_cache lightning_logs test-artifacts .cache/mkdocs-jupyter .robustness
