"""The suite's verification plugin and the site's stamps: counting, skip reasons, merging, 'not yet verified'."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import verification
from tools.mkdocs_hooks import stamp_html


def report(nodeid: str, when: str, outcome: str, duration: float = 0.5, longrepr=None) -> SimpleNamespace:
    return SimpleNamespace(nodeid=nodeid, when=when, duration=duration, longrepr=longrepr,
                           passed=outcome == "passed", failed=outcome == "failed", skipped=outcome == "skipped")


def test_only_sybil_examples_of_pages_and_modules_count() -> None:
    assert verification.source_of("docs/a/b.md::sybil:page,line:3,column:1") == "docs/a/b.md"
    assert verification.source_of("dlkit/models/cnn.py::sybil:docstring,line:41,column:1") == "dlkit/models/cnn.py"
    assert verification.source_of("tests/test_pages.py::test_x[docs/a.md]") is None


def test_results_are_counted_per_page_and_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verification, "RESULTS", tmp_path / "verification.json")
    monkeypatch.setattr(verification, "_entries", {})
    (tmp_path / "verification.json").write_text(json.dumps({"entries": {"docs/other.md": {"examples": 9}}}))
    page = "docs/x.md::sybil:page,line:{},column:1"
    for line, outcome in ((3, "passed"), (9, "failed")):
        verification.pytest_runtest_logreport(report(page.format(line), "setup", "passed"))
        verification.pytest_runtest_logreport(report(page.format(line), "call", outcome))
    verification.pytest_runtest_logreport(report(page.format(20), "setup", "passed"))
    verification.pytest_runtest_logreport(
        report(page.format(20), "call", "skipped", longrepr=("docs/x.md", 20, "Skipped: needs a GPU")))
    written = json.loads(verification.write_results().read_text())["entries"]
    entry = written["docs/x.md"]
    assert (entry["examples"], entry["passed"], entry["failed"], entry["skipped"]) == (3, 1, 1, 1)
    assert entry["skip_reasons"] == ["needs a GPU"]
    assert entry["seconds"] == pytest.approx(3.0)
    assert entry["device"].startswith(("cpu", "cuda")) and entry["torch"] and entry["lightning"]
    assert written["docs/other.md"] == {"examples": 9}  # pages not run this time keep their last result


def test_stamps_say_what_ran_or_that_nothing_did() -> None:
    entry = {"examples": 3, "passed": 2, "failed": 0, "skipped": 1, "skip_reasons": ["needs a GPU"], "seconds": 1.5,
             "device": "cpu", "torch": "2.x", "lightning": "2.y", "run_at": "today"}
    shown = stamp_html(entry, key="docs/x.md", has_examples=True, verification_url="../verification/")
    assert "Verified: 3 examples, 2 passed, 1 skipped in 1.5 s on cpu" in shown and "skipped: needs a GPU" in shown
    failing = stamp_html({**entry, "failed": 1}, key="docs/x.md", has_examples=True, verification_url="v/")
    assert 'class="failure dlkit-stamp"' in failing and "Verification failed" in failing
    assert "Not yet verified" in stamp_html(None, key="docs/x.md", has_examples=True, verification_url="v/")
    assert "No code examples" in stamp_html(None, key="docs/x.md", has_examples=False, verification_url="v/")
