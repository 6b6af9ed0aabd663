# Two commands do all set-up on a fresh clone:
#   make docs   build the site strictly and serve it on http://127.0.0.1:8000
#   make test   run the whole test suite (unit tests, every page's examples, docstrings, strict site build)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
export NO_MKDOCS_2_WARNING := 1
STAMP  := $(VENV)/.dlkit-installed

.PHONY: docs test bench install clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Re-installs when pyproject.toml changes. torch resolves to the release on this machine's disk.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --progress-bar off -e ".[docs,test]"
	touch $@

install: $(STAMP)

# The site shows figures drawn by the page examples: run them first, then build strictly and serve.
docs: $(STAMP)
	$(PY) -m pytest docs -q
	$(PY) -m mkdocs build --strict
	$(PY) -m mkdocs serve --strict --dev-addr 127.0.0.1:8000

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf site docs/generated .pytest_cache lightning_logs
