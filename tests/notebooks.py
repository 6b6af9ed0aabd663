"""pytest plugin (registered by conftest.py): the project notebooks ``docs/projects/*.py`` are test items.

Each notebook (a Jupytext percent-format file) is one item: the suite executes it in a fresh Jupyter kernel with
nbclient, cell by cell; a cell that raises (a failed ``assert`` included) fails the item with that cell's error.
The executed notebook, outputs and figures included, is written to ``docs/generated/projects/<name>.ipynb`` with
the SHA-256 of the source it ran in its metadata, and the site build renders that file instead of executing the
notebook again (``tools/hooks/notebooks.py`` refuses a copy whose source has changed since). So the page shows
what the suite ran, and the build stays fast however many notebooks there are.

``pytest docs`` (as ``make docs`` runs it) and ``pytest docs/projects/house_prices.py`` collect them like pages.
The robustness sweep runs them as scripts instead, with the seed shift (``tools/robustness.py notebook``).
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "docs" / "projects"
GENERATED = Path(os.environ.get("DLKIT_GENERATED_DIR") or ROOT / "docs" / "generated") / "projects"
TIMEOUT_PER_CELL = 300
# The kernel gets the suite's environment minus the headless backend: the notebooks' `%matplotlib inline` draws
# the figures into the outputs, as Jupyter would for a reader.
KERNEL_ENV_DROP = ("MPLBACKEND",)


def source_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def executed_path(source: Path) -> Path:
    return GENERATED / f"{source.stem}.ipynb"


def is_notebook(path: Path) -> bool:
    return path.suffix == ".py" and path.parent == PROJECTS


class NotebookFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        return [NotebookItem.from_parent(self, name="notebook")]


class NotebookError(Exception):
    """A cell raised: which cell, and the error as the kernel printed it."""


class NotebookItem(pytest.Item):
    def runtest(self) -> None:
        import jupytext
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        from tests import verification

        source = Path(self.path)
        text = source.read_text()
        notebook = jupytext.reads(text, fmt="py:percent")
        client = NotebookClient(notebook, timeout=TIMEOUT_PER_CELL, kernel_name="python3",
                                resources={"metadata": {"path": str(ROOT)}})
        from tests.sybil_pages import THREADS

        env = {k: v for k, v in os.environ.items() if k not in KERNEL_ENV_DROP}
        env.setdefault("OMP_NUM_THREADS", str(THREADS))  # pinned as for the pages (torch, OpenBLAS read it)
        start = time.perf_counter()
        error: CellExecutionError | None = None
        try:
            client.execute(env=env)  # passed on to the kernel manager: the kernel's environment
        except CellExecutionError as raised:
            error = raised
        seconds = time.perf_counter() - start
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        failed_cell = next((i for i, cell in enumerate(code)
                            if any(o.get("output_type") == "error" for o in cell.get("outputs", []))), None)
        passed = len(code) if error is None else (failed_cell or 0)
        relative = source.relative_to(ROOT).as_posix()
        # Recorded from the report (tests/verification.py), so it also reaches the controller under pytest-xdist.
        self.user_properties.append((verification.NOTEBOOK_PROPERTY, {
            "path": relative, "cells": len(code), "passed": passed, "seconds": seconds,
            "failure": None if error is None else _summary(error)}))
        if error is not None:
            raise NotebookError(f"{relative}: code cell {passed + 1} of {len(code)} raised\n{error}")
        notebook.metadata["dlkit"] = {
            "source": relative, "source_sha256": source_digest(text), "seconds": round(seconds, 2),
            "run_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        }
        target = executed_path(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        nbformat.write(notebook, str(partial))
        os.replace(partial, target)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, NotebookError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"notebook {self.path.name}"


def _summary(error: Exception) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[-1][:300] if lines else type(error).__name__


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """``docs/projects/*.py`` found while collecting a folder (a path named on the command line: below)."""
    if is_notebook(file_path) and not parent.session.isinitpath(file_path):
        return NotebookFile.from_parent(parent, path=file_path)
    return None


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """``pytest docs/projects/x.py``: pytest would import the file as a test module; run it as a notebook."""
    if is_notebook(module_path):
        return NotebookFile.from_parent(parent, path=module_path)
    return None
