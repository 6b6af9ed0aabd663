"""The pages' examples are all collected, every snippet is used and self-contained, skips give a reason."""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest
from sybil import Document
from sybil.parsers.markdown import SkipParser

from tests.sybil_pages import DOCS, ROOT, PageExampleParser, expand, split_segments

PAGES = sorted(DOCS.rglob("*.md"))
SNIPPETS = sorted((ROOT / "snippets").rglob("*.py"))
FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*(python|pycon)\b", re.M)


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_python_fence_is_collected(page: Path) -> None:
    fences = len(FENCE.findall(page.read_text()))
    document = Document.parse(str(page), PageExampleParser(), SkipParser())
    collected = [example for example in document if example.region.evaluator == PageExampleParser.evaluate]
    assert len(collected) == fences, f"{page}: {fences} python/pycon fences but Sybil collected {len(collected)}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_skips_carry_a_reason(page: Path) -> None:
    for match in re.finditer(r"<!--\s*skip:\s*(.*?)-->", page.read_text(), re.S):
        argument = match.group(1).strip()
        assert re.fullmatch(r"next\s+([\"']).+\1", argument), (
            f"{page}: skip directive {argument!r} must be 'next \"reason\"' so the page shows the reason"
        )


def test_every_snippet_is_included_by_a_page() -> None:
    text = "\n".join(page.read_text() for page in PAGES)
    unused = [page_id(s) for s in SNIPPETS if f'"{s.relative_to(ROOT)}"' not in text]
    assert not unused, f"snippets no page includes: {unused}"


def free_names(source: str) -> set[str]:
    """Names a module reads but never binds (imports, assignments, defs, arguments, loop targets, ...)."""
    tree = ast.parse(source)
    bound, loaded = set(dir(builtins)), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return loaded - bound


@pytest.mark.parametrize("snippet", SNIPPETS, ids=page_id)
def test_snippet_runs_on_its_own(snippet: Path) -> None:
    """Copy-paste works: a snippet imports and loads everything it uses (no state from earlier blocks)."""
    missing = free_names(snippet.read_text())
    assert not missing, f"{snippet} uses names it never defines or imports: {sorted(missing)}"


def test_free_names_finds_hidden_state() -> None:
    assert free_names("import torch\nx = torch.zeros(2)\ny = model(x)\n") == {"model"}


def test_includes_expand_like_the_site_build(tmp_path: Path) -> None:
    snippet = "snippets/fundamentals/forward_pass.py"
    segments = split_segments(f'x = 1\n--8<-- "{snippet}"\ny = 2\n', "page.md", 10)
    assert [(filename, line) for _, filename, line in segments] == [
        ("page.md", 10), (str(ROOT / snippet), 1), ("page.md", 12)
    ]
    assert segments[1][0].strip() == (ROOT / snippet).read_text().strip()


def test_missing_snippet_fails_loudly() -> None:
    with pytest.raises(Exception, match="does-not-exist"):
        expand(['--8<-- "snippets/does-not-exist.py"'])
