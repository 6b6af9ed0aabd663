"""Every line of example code a reader sees fits in 88 characters (issue 16).

Code lines are: every line of ``snippets/**/*.py`` (pages paste them whole with ``--8<--``); every line inside a
```` ```python ```` / ```` ```pycon ```` fence of ``docs/**/*.md`` at any indentation, measured as rendered (the
fence's own indentation removed); and every line of a code cell of the notebooks ``docs/projects/*.py`` (Jupytext
percent format). In a doctest (a ``pycon`` fence, or a ``python`` fence starting with ``>>>``) only the ``>>>``
and ``...`` lines are code: expected output is what the code printed and may be wider.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MAX_WIDTH = 88

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_INCLUDE = re.compile(r"^[ \t]*-{1,}8<-{1,}[ \t]")
_CELL = re.compile(r"^# %%(?P<rest>.*)$")


def _doctest_code(lines: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """The source lines of a doctest: each ``>>>`` line and the ``...`` lines right after it."""
    in_source = False
    for number, line in lines:
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            in_source = True
        elif not (in_source and (stripped == "..." or stripped.startswith("... "))):
            in_source = False
        if in_source:
            yield number, line


def markdown_code_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(line number, line as rendered)`` for every code line of a page's python/pycon fences."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.match(lines[index])
        index += 1
        if opening is None:
            continue
        indent, fence = opening["indent"], opening["fence"]
        language = opening["info"].split()[0] if opening["info"].split() else ""
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[tuple[int, str]] = []
        while index < len(lines) and not closing.match(lines[index]):
            line = lines[index]
            body.append((index + 1, line[len(indent) :] if line.startswith(indent) else line.lstrip()))
            index += 1
        index += 1  # the closing fence
        if language not in ("python", "pycon"):
            continue
        body = [(number, line) for number, line in body if not _INCLUDE.match(line)]  # a pasted snippet
        first = next((line for _, line in body if line.strip()), "")
        if language == "pycon" or first.lstrip().startswith(">>>"):
            yield from _doctest_code(body)
        else:
            yield from body


def notebook_code_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` for every line of a Jupytext percent notebook's code cells."""
    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        cell = _CELL.match(line)
        if cell is not None:
            in_code = "[markdown]" not in cell["rest"] and "[md]" not in cell["rest"]
        elif in_code:
            yield number, line


def code_lines() -> Iterator[tuple[Path, int, str]]:
    for snippet in sorted((ROOT / "snippets").rglob("*.py")):
        for number, line in enumerate(snippet.read_text().splitlines(), start=1):
            yield snippet, number, line
    for page in sorted(DOCS.rglob("*.md")):
        for number, line in markdown_code_lines(page.read_text()):
            yield page, number, line
    for notebook in sorted((DOCS / "projects").glob("*.py")):
        for number, line in notebook_code_lines(notebook.read_text()):
            yield notebook, number, line


def test_example_code_fits_in_88_columns() -> None:
    wide = [
        f"{path.relative_to(ROOT)}:{number}: {len(line)}"
        for path, number, line in code_lines()
        if len(line) > MAX_WIDTH
    ]
    assert not wide, f"{len(wide)} code lines wider than {MAX_WIDTH}:\n" + "\n".join(wide)


def test_collector_sees_fences_doctests_and_cells() -> None:
    page = "\n".join(
        [
            "Prose " + "x" * 100,
            "```python",
            "a = 1",
            '--8<-- "snippets/x.py"',
            "```",
            "    ```pycon",
            "    >>> b = (",
            "    ...     2)",
            "    long output " + "y" * 100,
            "    ```",
            "```bash",
            "echo " + "z" * 100,
            "```",
        ]
    )
    assert list(markdown_code_lines(page)) == [(3, "a = 1"), (7, ">>> b = ("), (8, "...     2)")]
    notebook = "# ---\n# title: t\n# ---\n\n# %% [markdown]\n# text\n\n# %%\nx = 1\n"
    assert list(notebook_code_lines(notebook)) == [(9, "x = 1")]
