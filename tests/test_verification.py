"""The suite's verification plugin, the robustness sweep's report and the site's stamps: counting, claims, merging,
failures with their values, runs survived, 'not yet verified'."""

from __future__ import annotations

import html
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import verification
from tools import robustness
from tools.hooks.verification import stamp_html, verification_rows, verification_table


def report(nodeid: str, when: str, outcome: str, duration: float = 0.5, longrepr=None, claims=()) -> SimpleNamespace:
    return SimpleNamespace(nodeid=nodeid, when=when, duration=duration, longrepr=longrepr,
                           user_properties=[(verification.CLAIMS_PROPERTY, list(claims))] if claims else [],
                           passed=outcome == "passed", failed=outcome == "failed", skipped=outcome == "skipped")


def claim(line: int, held: bool = True, margin: float | None = 0.5, file: str = "docs/x.md", **extra) -> dict:
    return {"file": file, "line": line, "source": f"a{line} > b", "kind": "true", "held": held, "margin": margin,
            "values": {f"a{line}": 1.0 + line, "b": 1.0}, "count": 1,
            "explanation": "" if held else f"a{line} > b -> 0.9 > 1 is False", **extra}


def test_only_sybil_examples_of_pages_and_modules_count() -> None:
    assert verification.source_of("docs/a/b.md::sybil:page,line:3,column:1") == "docs/a/b.md"
    assert verification.source_of("dlkit/models/cnn.py::sybil:docstring,line:41,column:1") == "dlkit/models/cnn.py"
    assert verification.source_of("tests/test_pages.py::test_x[docs/a.md]") is None
    assert verification.example_line("docs/a/b.md::sybil:page,line:12,column:1") == 12


def test_results_are_counted_per_page_and_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verification, "RESULTS", tmp_path / "verification.json")
    monkeypatch.setattr(verification, "_entries", {})
    monkeypatch.setenv("DLKIT_SEED_OFFSET", "2")
    (tmp_path / "verification.json").write_text(json.dumps({"entries": {"docs/other.md": {"examples": 9}}}))
    page = "docs/x.md::sybil:page,line:{},column:1"
    verification.pytest_runtest_logreport(report(page.format(3), "setup", "passed"))
    verification.pytest_runtest_logreport(
        report(page.format(3), "call", "passed", claims=[claim(5), claim(6, margin=0.1)]))
    verification.pytest_runtest_logreport(report(page.format(9), "setup", "passed"))
    verification.pytest_runtest_logreport(report(page.format(9), "call", "failed", claims=[claim(11, held=False,
                                                                                                  margin=-0.1)]))
    verification.pytest_runtest_logreport(report(page.format(20), "setup", "passed"))
    verification.pytest_runtest_logreport(
        report(page.format(20), "call", "skipped", longrepr=("docs/x.md", 20, "Skipped: needs a GPU")))
    written = json.loads(verification.write_results().read_text())["entries"]
    entry = written["docs/x.md"]
    assert (entry["examples"], entry["passed"], entry["failed"], entry["skipped"]) == (3, 1, 1, 1)
    assert entry["skip_reasons"] == ["needs a GPU"]
    assert entry["seconds"] == pytest.approx(3.0)
    assert entry["device"].startswith(("cpu", "cuda")) and entry["torch"] and entry["lightning"]
    assert (entry["claims_total"], entry["claims_held"], entry["weakest"]["line"]) == (3, 2, 11)
    assert entry["failures"] == [{"line": 9, "message": "docs/x.md:11: a11 > b -> 0.9 > 1 is False"}]
    assert entry["seed_offset"] == 2 and entry["threads"] >= 1
    assert written["docs/other.md"] == {"examples": 9}  # pages not run this time keep their last result


def test_an_example_that_raised_says_what_it_raised() -> None:
    crash = SimpleNamespace(reprcrash=SimpleNamespace(message="ValueError: Expected 3 channels, but got 1"))
    failed = report("docs/x.md::sybil:page,line:3,column:1", "call", "failed", longrepr=crash)
    assert verification.failure_summary(failed, []) == "ValueError: Expected 3 channels, but got 1"


ENTRY = {"examples": 3, "passed": 2, "failed": 0, "skipped": 1, "skip_reasons": ["needs a GPU"], "seconds": 1.5,
         "device": "cpu", "torch": "2.x", "lightning": "2.y", "run_at": "today", "claims_total": 4, "claims_held": 4,
         "claims": [claim(5)], "failures": []}


def test_stamps_say_what_ran_or_that_nothing_did() -> None:
    shown = stamp_html(ENTRY, key="docs/x.md", has_examples=True, verification_url="../verification/")
    assert "Verified: 3 examples, 2 passed, 1 skipped in 1.5 s on cpu; 4 of 4 claims held" in shown
    assert "skipped: needs a GPU" in shown
    assert "Not yet verified" in stamp_html(None, key="docs/x.md", has_examples=True, verification_url="v/")
    assert "No code examples" in stamp_html(None, key="docs/x.md", has_examples=False, verification_url="v/")


def test_a_failed_stamp_names_the_claim_and_its_values() -> None:
    message = 'docs/x.md:54: large["val"][-1] > 1.3 * min(large["val"]) -> 0.0423 > 0.0466 is False'
    failing = {**ENTRY, "failed": 1, "failures": [{"line": 46, "message": message}]}
    shown = stamp_html(failing, key="docs/x.md", has_examples=True, verification_url="v/")
    assert 'class="failure dlkit-stamp"' in shown and "Verification failed" in shown
    summary = shown.split("</summary>")[0]  # the line visible without opening the box
    assert html.escape(message) in summary


def sweep_report(tmp_path: Path) -> dict:
    """Two runs of one page written as the sweep writes them, aggregated."""
    for offset, held in ((0, True), (3, False)):
        out = tmp_path / robustness.run_name(offset, 1)
        entry = {**ENTRY, "claims": [claim(5, margin=0.4 if held else -0.05, held=held), claim(6, margin=0.9)],
                 "failed": 0 if held else 1}
        (out).mkdir(parents=True)
        (out / "pages.json").write_text(json.dumps({"entries": {"docs/x.md": entry}}))
        (out / "meta.json").write_text(json.dumps({"offset": offset, "threads": 1, "cpu": "AMD EPYC", "cores": 2,
                                                   "pieces": {"docs": {"exit_code": int(not held), "seconds": 60}}}))
    return robustness.aggregate(tmp_path, tmp_path / "robustness.json")


def test_the_sweep_counts_runs_held_per_page_and_per_claim(tmp_path: Path) -> None:
    report_ = sweep_report(tmp_path)
    page = report_["pages"]["docs/x.md"]
    assert (page["runs"], page["runs_all_held"], page["claims"], page["claims_always_held"]) == (2, 1, 2, 1)
    weakest = page["claim_table"][0]
    assert (weakest["line"], weakest["held"], weakest["min_margin"]) == (5, 1, -0.05)
    assert weakest["median_margin"] == pytest.approx(0.175)
    assert weakest["values"]["a5"] == [6.0, 6.0]  # one value per run, in run order
    assert weakest["failed_runs"] == [{"run": "offset3-threads1", "explanation": "a5 > b -> 0.9 > 1 is False"}]
    assert report_["summary"] == {"runs": 2, "pages": 1, "claims": 2, "claims_always_held": 1, "pages_always_held": 0,
                                  "wall_seconds": 120}
    assert json.loads((tmp_path / "robustness.json").read_text())["pages"]["docs/x.md"]["runs"] == 2


def test_stamps_and_the_verification_page_show_the_runs_survived(tmp_path: Path) -> None:
    report_ = sweep_report(tmp_path)
    page = report_["pages"]["docs/x.md"]
    shown = stamp_html(ENTRY, key="docs/x.md", has_examples=True, verification_url="v/", robustness=page,
                       sweep=report_)
    assert "2 claims, held in 1 of 2 runs" in shown.split("</summary>")[0]
    assert 'data-robustness="fragile"' in shown and "seed offsets 0, 3 × threads 1 (2 runs)" in shown
    assert "docs/x.md:5 failed in 1 of 2 runs, e.g. offset3-threads1: a5 &gt; b -&gt; 0.9 &gt; 1 is False" in shown
    pages = {uri: {"title": uri, "url": uri, "key": f"docs/{uri}", "has_examples": True} for uri in ("x.md", "y.md")}
    entries = {"docs/x.md": ENTRY, "docs/y.md": {**ENTRY, "claims": [claim(3, margin=0.02)],
                                                 "weakest": claim(3, margin=0.02)}}
    rows = verification_rows(pages, entries, report_)
    assert [(r["uri"], r["status"]) for r in rows] == [("x.md", "fragile"), ("y.md", "passed")]  # weakest first
    table = verification_table(rows, entries, report_, lambda url: url)
    assert "<td>1/2</td>" in table and "−" not in table and "-5.0%" in table
    assert "The 2 weakest claims" in table and "a5: 6" in table


def test_the_site_hooks_keep_no_module_level_state() -> None:
    """One module per concern, none holding what a build collects (that lives on the build's config)."""
    import ast

    from tests.sybil_pages import ROOT

    files = [ROOT / "tools" / "mkdocs_hooks.py", *sorted((ROOT / "tools" / "hooks").glob("*.py"))]
    assert {f.stem for f in files} >= {"mkdocs_hooks", "skips", "reference", "coverage", "verification", "notebooks"}
    mutable = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
    for file in files:
        for node in ast.parse(file.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            for target in targets:
                name = getattr(target, "id", "")
                is_state = isinstance(getattr(node, "value", None), mutable) or (
                    isinstance(getattr(node, "value", None), ast.Call)
                    and getattr(node.value.func, "id", "") in {"dict", "list", "set", "BuildState", "SiteBuild"})
                assert not (is_state and not name.isupper()), f"{file.name}: module-level state {name!r}"


def test_the_sweep_leaves_out_runs_of_an_older_version_of_a_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    pieces = {"docs": {"commit": "old", "finished_at": "2026-11-29 10:00 UTC"},
              "docs/x.md": {"commit": "new", "finished_at": "2026-11-30 10:00 UTC"}}
    assert robustness.piece_commit("docs/x.md", pieces) == "new"  # the latest piece that ran the page
    assert robustness.piece_commit("docs/y.md", pieces) == "old"
    assert robustness.piece_commit("dlkit/z.py", pieces) is None
    sweep_report(tmp_path)
    meta = tmp_path / robustness.run_name(3, 1) / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "pieces": {"docs": {"commit": "old", "seconds": 60}}}))
    monkeypatch.setattr(robustness, "changed_since", lambda commit, path, cache: commit == "old")
    page = robustness.aggregate(tmp_path, tmp_path / "robustness.json")["pages"]["docs/x.md"]
    assert (page["runs"], page["run_names"]) == (1, ["offset0-threads1"])
