"""pytest plugin (registered by conftest.py): record what the suite ran on each page, for the site's stamps.

For every page (``docs/**/*.md``) and every module's docstrings (``dlkit/**/*.py``) whose Sybil examples ran, it
records examples collected, passed, failed (with what failed), skipped (with reasons), run time, device, the seed
offset and thread count of the run, the torch and Lightning versions and **every claim** with its values and
margin (``tests/claims.py``) into ``docs/generated/verification.json``. The MkDocs hooks (``tools/hooks/``) turn
each entry into the stamp under the page's title and into the Verification page.

The file is merged, not replaced: a run of some pages updates their entries and keeps the others'. It is written
at the end of the session and also right before the site is built within a session (``write_results``, called by
the ``built_site`` fixture), so the build inside ``make test`` shows the run it belongs to.
``DLKIT_VERIFICATION_RESULTS=path`` writes elsewhere (the robustness sweep keeps one file per run). Under
pytest-xdist the workers send their claims with their reports and only the controller writes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from tests import claims

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("DLKIT_VERIFICATION_RESULTS") or ROOT / "docs" / "generated" / "verification.json")
CLAIMS_PROPERTY = "dlkit_claims"
NOTEBOOK_PROPERTY = "dlkit_notebook"  # a project notebook's run (tests/notebooks.py)

_entries: dict[str, dict[str, Any]] = {}


def source_of(nodeid: str) -> str | None:
    """``docs/x.md::sybil:page,line:12,column:1`` -> ``docs/x.md``; ``None`` for anything not a Sybil example."""
    path, _, rest = nodeid.partition("::")
    if not rest.startswith("sybil:"):
        return None
    if (path.startswith("docs/") and path.endswith(".md")) or (path.startswith("dlkit/") and path.endswith(".py")):
        return path
    return None


def example_line(nodeid: str) -> int | None:
    for part in nodeid.partition("::")[2].split(","):
        if part.startswith("line:"):
            return int(part[5:])
    return None


def device() -> str:
    """Where the examples ran, as ``make_trainer`` picks it (one function for the suite, the site and dlkit)."""
    from dlkit.training import describe_device

    return describe_device()


def run_settings() -> dict[str, Any]:
    """The seed offset and thread count this run used (``tests/seed_shift.py``, ``tests/sybil_pages.THREADS``)."""
    from tests.seed_shift import offset_from_env
    from tests.sybil_pages import THREADS

    return {"seed_offset": offset_from_env(), "threads": THREADS}


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _entry(path: str) -> dict[str, Any]:
    if path not in _entries:
        _entries[path] = {
            "kind": "page examples" if path.startswith("docs/") else "docstring examples",
            "examples": 0, "passed": 0, "failed": 0, "skipped": 0, "skip_reasons": [], "seconds": 0.0,
            "claims": [], "failures": [],
        }
    return _entries[path]


def failure_summary(report: Any, recorded: list[dict[str, Any]]) -> str:
    """One line saying what failed: the broken claim with its values, else the error the example raised."""
    broken = [c for c in recorded if not c["held"]]
    if broken:
        return f"{broken[0]['file']}:{broken[0]['line']}: {broken[0]['explanation'] or broken[0]['source']}"
    longrepr = getattr(report, "longrepr", None)
    crash = getattr(longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or str(longrepr or "failed")
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    text = next((line for line in lines if line.startswith("Claim failed:")), lines[-1] if lines else "failed")
    return text if len(text) <= 300 else text[:297] + "..."


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the claims an example recorded to its report (reports travel from xdist workers to the controller)."""
    outcome = yield
    if call.when != "call":
        return
    recorded = claims.LOG.drain()
    report = outcome.get_result()
    if recorded and source_of(report.nodeid) is not None:
        report.user_properties.append((CLAIMS_PROPERTY, recorded))


def _skip_reason(report: Any) -> str:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, run in getattr(report, "user_properties", ()):
        if name == NOTEBOOK_PROPERTY and report.when == "call":
            record_notebook(run["path"], cells=run["cells"], passed=run["passed"], seconds=run["seconds"],
                            failure=run["failure"])
    path = source_of(report.nodeid)
    if path is None:
        return
    entry = _entry(path)
    entry["seconds"] += report.duration
    recorded = [c for name, value in getattr(report, "user_properties", ()) if name == CLAIMS_PROPERTY for c in value]
    entry["claims"].extend(recorded)
    if report.when == "setup":
        entry["examples"] += 1
        if report.skipped:
            entry["skipped"] += 1
            entry["skip_reasons"].append(_skip_reason(report))
        elif report.failed:
            entry["failed"] += 1
            entry["failures"].append({"line": example_line(report.nodeid), "message": failure_summary(report, [])})
    elif report.when == "call":
        if report.passed:
            entry["passed"] += 1
        elif report.skipped:  # skipped while running (pytest.skip inside an example)
            entry["skipped"] += 1
            entry["skip_reasons"].append(_skip_reason(report))
        else:
            entry["failed"] += 1
            entry["failures"].append(
                {"line": example_line(report.nodeid), "message": failure_summary(report, recorded)})


def record_notebook(path: str, *, cells: int, passed: int, seconds: float, failure: str | None) -> None:
    """A project notebook's run (``tests/notebooks.py``): its code cells are its examples; the first error stops it."""
    entry = _entry(path)
    entry.update(kind="notebook cells", examples=cells, passed=passed, seconds=seconds,
                 failed=0 if failure is None else 1, skipped=0 if failure is None else cells - passed - 1,
                 failures=[] if failure is None else [{"line": None, "message": failure}])


def summarise_claims(recorded: list[dict[str, Any]]) -> dict[str, Any]:
    """How many claims, how many held, and the weakest (failed first, then the smallest margin)."""
    ranked = sorted(recorded, key=lambda c: (c["held"], c["margin"] if c["margin"] is not None else float("inf")))
    return {"claims_total": len(recorded), "claims_held": sum(c["held"] for c in recorded),
            "weakest": ranked[0] if ranked else None}


def write_results(path: Path | None = None) -> Path | None:
    """Merge this session's entries into the results file; nothing to write: ``None``."""
    target = path or RESULTS
    if not _entries:
        return None
    try:
        merged = json.loads(target.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        merged = {"entries": {}}
    stamp = {
        "device": device(), "torch": _version("torch"), "lightning": _version("pytorch-lightning"),
        "run_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "runner": "the test suite (pytest + Sybil)", **run_settings(),
    }
    for key, entry in _entries.items():
        runner = {"runner": "the test suite (pytest + nbclient)"} if entry["kind"] == "notebook cells" else {}
        merged["entries"][key] = {**entry, "seconds": round(entry["seconds"], 3), **summarise_claims(entry["claims"]),
                                  **stamp, **runner}
    merged["written_at"] = time.time()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")  # write then rename: a reader never sees half a file
    partial.write_text(json.dumps(merged, indent=2, sort_keys=True))
    os.replace(partial, target)
    return target


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller has every report
        return
    write_results()
