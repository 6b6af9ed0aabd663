"""pytest plugin (registered by conftest.py): record what the suite ran on each page, for the site's stamps.

For every page (``docs/**/*.md``) and every module's docstrings (``dlkit/**/*.py``) whose Sybil examples ran, it
records examples collected, passed, failed, skipped (with reasons), run time, device, and the torch and Lightning
versions into ``docs/generated/verification.json``. The MkDocs hook (``tools/mkdocs_hooks.py``) turns each entry into
the stamp under the page's title and into the Verification page.

The file is merged, not replaced: a run of some pages updates their entries and keeps the others'. It is written
at the end of the session and also right before the site is built within a session (``write_results``, called by
the ``built_site`` fixture), so the build inside ``make test`` shows the run it belongs to.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "generated" / "verification.json"

_entries: dict[str, dict[str, Any]] = {}


def source_of(nodeid: str) -> str | None:
    """``docs/x.md::sybil:page,line:12,column:1`` -> ``docs/x.md``; ``None`` for anything not a Sybil example."""
    path, _, rest = nodeid.partition("::")
    if not rest.startswith("sybil:"):
        return None
    if (path.startswith("docs/") and path.endswith(".md")) or (path.startswith("dlkit/") and path.endswith(".py")):
        return path
    return None


def device() -> str:
    """Where the examples ran: ``cpu`` or ``cuda (<GPU name>)``, as make_trainer's ``accelerator="auto"`` picks."""
    import torch

    if torch.cuda.is_available() and os.environ.get("DLKIT_ACCELERATOR", "auto") != "cpu":
        return f"cuda ({torch.cuda.get_device_name()})"
    return "cpu"


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
        }
    return _entries[path]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = source_of(report.nodeid)
    if path is None:
        return
    entry = _entry(path)
    entry["seconds"] += report.duration
    if report.when == "setup":
        entry["examples"] += 1
        if report.skipped:
            entry["skipped"] += 1
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            entry["skip_reasons"].append(reason.removeprefix("Skipped: "))
        elif report.failed:
            entry["failed"] += 1
    elif report.when == "call":
        if report.passed:
            entry["passed"] += 1
        elif report.skipped:  # skipped while running (pytest.skip inside an example)
            entry["skipped"] += 1
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            entry["skip_reasons"].append(reason.removeprefix("Skipped: "))
        else:
            entry["failed"] += 1


def write_results() -> Path | None:
    """Merge this session's entries into ``docs/generated/verification.json``; nothing to write: ``None``."""
    if not _entries:
        return None
    try:
        merged = json.loads(RESULTS.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        merged = {"entries": {}}
    stamp = {
        "device": device(), "torch": _version("torch"), "lightning": _version("pytorch-lightning"),
        "run_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "runner": "the test suite (pytest + Sybil)",
    }
    for path, entry in _entries.items():
        merged["entries"][path] = {**entry, "seconds": round(entry["seconds"], 3), **stamp}
    merged["written_at"] = time.time()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    partial = RESULTS.with_suffix(f".{os.getpid()}.tmp")  # write then rename: a reader never sees half a file
    partial.write_text(json.dumps(merged, indent=2, sort_keys=True))
    os.replace(partial, RESULTS)
    return RESULTS


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    write_results()
