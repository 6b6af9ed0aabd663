"""Test-suite wiring: Sybil runs every page's examples and dlkit's docstring examples; site tests run last.

- pages: every ```python / ```pycon fence in docs/**/*.md, with --8<-- includes expanded as MkDocs does
  (tests/sybil_pages.py); ``<!-- skip: next "reason" -->`` skips one example and the site shows the reason;
- docstrings: every ``>>>`` example in dlkit/**/*.py;
- each document is seeded and runs with a pinned thread count; pytest-socket blocks the network (pyproject.toml).
- ``DLKIT_ACCELERATOR=cpu`` forces the CPU where a GPU is present (dlkit.training.default_accelerator).
- tests/verification.py records what ran on each page (examples, passed, failed, skipped with reasons, time, device,
  versions) into docs/generated/verification.json: the site's verification stamps.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sybil import Sybil  # noqa: E402
from sybil.parsers.markdown import SkipParser  # noqa: E402
from sybil.parsers.rest import DocTestParser  # noqa: E402

from tests.sybil_pages import DOCTEST_FLAGS, PageExampleParser, close_document, seed_document  # noqa: E402

pages = Sybil(
    parsers=[PageExampleParser(), SkipParser()],
    patterns=["*.md"],
    path="docs",
    setup=seed_document,
    teardown=close_document,
    name="page",
)
docstrings = Sybil(
    parsers=[DocTestParser(optionflags=DOCTEST_FLAGS)],
    patterns=["*.py"],
    path="dlkit",
    setup=seed_document,
    teardown=close_document,
    name="docstring",
)
pytest_collect_file = (pages + docstrings).pytest()
pytest_plugins = ["tests.verification"]


def pytest_collection_modifyitems(session, config, items):
    """Site tests need every page's figures and results: run them after everything else, the browser test last."""
    items.sort(key=lambda item: (item.get_closest_marker("site") is not None, item.path.name == "test_browser.py"))
