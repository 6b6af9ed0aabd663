"""The build renders the notebook copy the suite executed, and only if it ran the current source."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from tests import notebooks as suite
from tools.hooks import ROOT
from tools.hooks import notebooks as hook


@pytest.fixture
def source() -> Path:
    path = ROOT / "docs" / "projects" / "digits_end_to_end.py"
    assert path.exists()
    return path


def write_copy(folder: Path, source: Path, text: str) -> Path:
    copy = folder / f"{source.stem}.ipynb"
    copy.write_text(json.dumps({"metadata": {"dlkit": {"source_sha256": hashlib.sha256(text.encode()).hexdigest()}},
                                "cells": [], "nbformat": 4, "nbformat_minor": 5}))
    return copy


def test_a_missing_copy_is_refused_with_the_command_that_makes_it(tmp_path: Path, source: Path) -> None:
    copy, problem = hook.executed_copy(source, executed=tmp_path)
    assert copy is None
    assert "no executed copy" in problem and "pytest docs/projects/digits_end_to_end.py" in problem


def test_a_copy_of_an_older_source_is_refused(tmp_path: Path, source: Path) -> None:
    write_copy(tmp_path, source, source.read_text() + "\n# edited since\n")
    copy, problem = hook.executed_copy(source, executed=tmp_path)
    assert copy is None and "older version" in problem


def test_the_copy_of_the_current_source_is_used(tmp_path: Path, source: Path) -> None:
    expected = write_copy(tmp_path, source, source.read_text())
    assert hook.executed_copy(source, executed=tmp_path) == (expected, None)


def test_suite_and_build_agree_on_the_hash_and_the_place() -> None:
    text = "print('hello')\n"
    assert suite.source_digest(text) == hashlib.sha256(text.encode()).hexdigest()
    notebook = ROOT / "docs" / "projects" / "house_prices.py"
    if "DLKIT_GENERATED_DIR" not in os.environ:  # the robustness sweep writes elsewhere
        assert suite.executed_path(notebook).parent == hook.EXECUTED
    assert suite.is_notebook(notebook) and not suite.is_notebook(ROOT / "dlkit" / "training.py")
