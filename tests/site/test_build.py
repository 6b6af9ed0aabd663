"""The strict site build succeeds and nothing in it reaches outside the site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.site

# Anything the browser would fetch from elsewhere. <link rel="canonical"> is metadata, never fetched.
EXTERNAL = re.compile(
    r"""<(?:script|img|iframe|source|video|audio)\b[^>]*\bsrc=["']?(?:https?:)?//"""
    r"""|<link\b(?![^>]*rel=["']?canonical)[^>]*\bhref=["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//"""
    r"""|url\(["']?(?:https?:)?//""",
    re.I,
)


def test_strict_build_has_every_page(built_site: Path) -> None:
    assert (built_site / "index.html").exists()
    assert (built_site / "architectures" / "feed-forward" / "index.html").exists()


def test_figures_drawn_by_the_examples_are_on_the_pages(built_site: Path) -> None:
    html = (built_site / "architectures" / "feed-forward" / "index.html").read_text()
    for figure in ("learning-curve.png", "confusion-matrix.png"):
        assert figure in html
    assert (built_site / "generated" / "architectures" / "feed-forward" / "learning-curve.png").stat().st_size > 10_000


def test_no_request_leaves_the_site(built_site: Path) -> None:
    offenders = []
    for path in built_site.rglob("*"):
        if path.suffix in {".html", ".css", ".js"}:
            for match in EXTERNAL.finditer(path.read_text(errors="replace")):
                offenders.append(f"{path.relative_to(built_site)}: {match.group(0)[:80]}")
    assert not offenders, offenders


def test_skipped_examples_show_their_reason(built_site: Path) -> None:
    from tools.mkdocs_hooks import on_page_markdown

    shown = on_page_markdown('Text\n<!-- skip: next "needs the internet" -->\n```python\nx\n```\n', None, None, None)
    assert '!!! warning "Not run by the test suite"\n    needs the internet' in shown
