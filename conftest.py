"""Test-suite wiring: Sybil runs every page's examples and dlkit's docstring examples; site tests run last.

- pages: every ```python / ```pycon fence in docs/**/*.md, with --8<-- includes expanded as MkDocs does
  (tests/sybil_pages.py); ``<!-- skip: next "reason" -->`` skips one example and the site shows the reason;
- docstrings: every ``>>>`` example in dlkit/**/*.py;
- each document is seeded and runs with a pinned thread count; pytest-socket blocks the network (pyproject.toml).
  ``DLKIT_SEED_OFFSET=k`` shifts every seed by k and ``DLKIT_THREADS=n`` sets the thread count
  (tests/seed_shift.py; ``make robustness`` runs the pages, notebooks and docstrings under several of each).
- every claim (a ``>>>`` example with an expected output, an ``assert``) is recorded with its values and margin
  (tests/claims.py); a failing one shows the values that broke it.
- ``DLKIT_ACCELERATOR=cpu`` forces the CPU where a GPU is present (dlkit.training.default_accelerator).
- the project notebooks docs/projects/*.py are executed in a Jupyter kernel (tests/notebooks.py); the executed copy
  is what the site renders.
- tests/verification.py records what ran on each page (examples, passed, failed with what failed, skipped with
  reasons, claims, time, device, seed offset, threads, versions) into docs/generated/verification.json: the site's
  verification stamps.
"""

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sybil import Sybil  # noqa: E402
from sybil.parsers.markdown import SkipParser  # noqa: E402

from tests.sybil_pages import PageExampleParser, close_document, docstring_parser, seed_document  # noqa: E402

pages = Sybil(
    parsers=[PageExampleParser(), SkipParser()],
    patterns=["*.md"],
    path="docs",
    setup=seed_document,
    teardown=close_document,
    name="page",
)
docstrings = Sybil(
    parsers=[docstring_parser()],
    patterns=["*.py"],
    path="dlkit",
    setup=seed_document,
    teardown=close_document,
    name="docstring",
)
pytest_collect_file = (pages + docstrings).pytest()
pytest_plugins = ["tests.seed_shift", "tests.verification", "tests.notebooks"]  # seed_shift does nothing unless DLKIT_SEED_OFFSET > 0


def pytest_collection_modifyitems(session, config, items):
    """Site tests need every page's figures and results: run them after everything else, the browser test last.

    ``make test`` runs them as ``pytest tests/site -m site`` (collecting the pages again would cost seconds), so a
    site test anywhere else would run in neither of its steps: it is refused here.

    Before them, the longest files come first: the project notebooks (10-16 s each), then the pages (most take
    seconds), then the unit tests. pytest-xdist hands files to its processes in this order, and the long ones
    started early leave the short ones to even out the processes' ends."""
    stray = [item.nodeid for item in items
             if item.get_closest_marker("site") is not None and not item.nodeid.startswith("tests/site/")]
    if stray:
        raise pytest.UsageError(f"Expected site tests under tests/site/ (make test runs them from there), but got {stray}")
    def rank(item: pytest.Item) -> tuple[bool, bool, int]:
        length = 0 if item.nodeid.startswith("docs/projects/") else 1 if item.nodeid.startswith("docs/") else 2
        return item.get_closest_marker("site") is not None, item.path.name == "test_browser.py", length

    items.sort(key=rank)
