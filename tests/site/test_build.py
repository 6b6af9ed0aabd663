"""The strict site build succeeds, has every page, and nothing in it reaches outside the site."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.site.conftest import ROOT
from tools.hooks.coverage import parse_topics, topics_text
from tools.hooks.reference import reference_modules
from tools.hooks.skips import show_skips

pytestmark = pytest.mark.site

DOCS = ROOT / "docs"
NOTEBOOKS = sorted((DOCS / "projects").glob("*.py"))

# Anything the browser would fetch from elsewhere. <link rel="canonical"> is metadata, never fetched.
EXTERNAL = re.compile(
    r"""<(?:script|img|iframe|source|video|audio)\b[^>]*\bsrc=["']?(?:https?:)?//"""
    r"""|<link\b(?![^>]*rel=["']?canonical)[^>]*\bhref=["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//"""
    r"""|url\(["']?(?:https?:)?//""",
    re.I,
)


def page_html(site: Path, src: Path) -> Path:
    """docs/a/b.md (or a notebook docs/a/b.py) -> <site>/a/b/index.html (index.md -> the folder's index.html)."""
    rel = src.relative_to(DOCS).with_suffix("")
    return site / (rel.parent if rel.name == "index" else rel) / "index.html"


def test_strict_build_has_every_page(built_site: Path) -> None:
    missing = [str(p) for p in [*DOCS.rglob("*.md"), *NOTEBOOKS] if not page_html(built_site, p).exists()]
    assert not missing, missing


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


def test_the_external_url_check_catches_what_it_must() -> None:
    for bad in ('<script src="https://cdn.x/y.js">', "<link rel=stylesheet href='//fonts.x/css'>",
                '<img src="http://x/y.png">', '@import url("https://x/y.css")'):
        assert EXTERNAL.search(bad), bad
    assert not EXTERNAL.search('<link rel="canonical" href="https://dlkit.github.io/dlkit/">')


def test_skipped_examples_show_their_reason() -> None:
    shown = show_skips('Text\n<!-- skip: next "needs the internet" -->\n```python\nx\n```\n')
    assert '!!! warning "Not run by the test suite"\n    needs the internet' in shown


def test_every_dlkit_module_has_an_api_reference_page(built_site: Path) -> None:
    """Generated from the package tree: a module added by anyone gets its page, with its objects documented."""
    modules = reference_modules()
    sources = {m.source for m in modules}
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "dlkit").rglob("*.py") if "__pycache__" not in p.parts}
    assert on_disk - sources == {p for p in on_disk if any(part.startswith("_") and part != "__init__.py"
                                                         for part in Path(p).parts)}
    for module in modules:
        page = built_site / Path(module.uri).with_suffix("") / "index.html"
        if module.uri.endswith("index.md"):
            page = built_site / Path(module.uri).parent / "index.html"
        html = page.read_text()
        assert f'id="{module.name}"' in html or f"<code>{module.name}</code>" in html, module.name
    cnn = (built_site / "reference" / "dlkit" / "models" / "cnn" / "index.html").read_text()
    assert 'id="dlkit.models.cnn.CNN"' in cnn
    assert "language-pycon" in cnn or "highlight" in cnn  # the docstring example is rendered as code


def test_pages_link_the_dlkit_objects_they_use(built_site: Path) -> None:
    html = (built_site / "architectures" / "feed-forward" / "index.html").read_text()
    assert "../../reference/dlkit/models/cnn/#dlkit.models.cnn.CNN" in html


def test_notebooks_are_executed_and_downloadable(built_site: Path) -> None:
    assert NOTEBOOKS, "docs/projects/ has no notebook"
    for notebook in NOTEBOOKS:
        page = page_html(built_site, notebook)
        html = page.read_text()
        assert "jp-OutputArea-output" in html and "data:image/png;base64" in html  # outputs and figures
        assert "Traceback" not in html
        stderr = re.findall(r'<div class="[^"]*" data-mime-type="application/vnd.jupyter.stderr">(.*?)</div>', html, re.S)
        assert not stderr, f"{notebook.name} printed warnings: {stderr[:2]}"  # output free of noise
        assert "mathjax" not in html.lower()  # KaTeX renders notebook math
        ipynb = page.parent / f"{notebook.stem}.ipynb"
        assert f'href="{ipynb.name}"' in html
        assert json.loads(ipynb.read_text())["nbformat"] == 4
        assert (page.parent / notebook.name).read_text() == notebook.read_text()


def test_math_is_rendered_by_the_sites_own_katex(built_site: Path) -> None:
    assert (built_site / "assets" / "katex" / "katex.min.js").stat().st_size > 100_000
    assert len(list((built_site / "assets" / "katex" / "fonts").glob("*.woff2"))) >= 20
    css = (built_site / "assets" / "katex" / "katex.min.css").read_text()
    for font in re.findall(r"url\((fonts/[^)]+)\)", css):
        assert (built_site / "assets" / "katex" / font).exists(), font
    page = (built_site / "fundamentals" / "neurons-and-layers" / "index.html").read_text()
    assert 'class="arithmatex"' in page and "katex.min.js" in page


def test_every_page_has_a_verification_stamp(built_site: Path) -> None:
    pages = [p for p in built_site.rglob("index.html") if "generated" not in p.parts]
    unstamped = [str(p.relative_to(built_site)) for p in pages if "dlkit-stamp" not in p.read_text()]
    assert not unstamped, unstamped
    feed_forward = (built_site / "architectures" / "feed-forward" / "index.html").read_text()
    results = ROOT / "docs" / "generated" / "verification.json"
    entries = json.loads(results.read_text())["entries"] if results.exists() else {}
    entry = entries.get("docs/architectures/feed-forward.md")
    expected = "not-verified" if entry is None else "failed" if entry["failed"] else "passed"
    assert f'data-status="{expected}"' in feed_forward  # in `make test` its examples ran earlier in this session


def test_verification_page_lists_every_page_weakest_first(built_site: Path) -> None:
    html = (built_site / "verification" / "index.html").read_text()
    pages_table = html.split('id="weakest-claims"')[0]  # the table of pages, not the weakest claims after it
    rows = re.findall(r'<tr data-status="([^"]+)"(?: data-margin="([^"]+)")?><td><a href="([^"]+)">.*?</tr>',
                      pages_table)
    assert len(rows) == sum(1 for p in built_site.rglob("index.html") if "generated" not in p.parts)
    rank = {"failed": 0, "fragile": 1, "passed": 2, "not yet verified": 3, "no examples": 4}
    assert [rank[status] for status, _, _ in rows] == sorted(rank[status] for status, _, _ in rows)
    for status in rank:  # within a status, the smallest margin first; pages without a margin last
        margins = [float(m) if m else float("inf") for s, m, _ in rows if s == status]
        assert margins == sorted(margins), status
    entries = json.loads((built_site / "verification.json").read_text())["entries"]
    for notebook in NOTEBOOKS:
        assert entries[str(notebook.relative_to(ROOT))]["failed"] == 0
    if (DOCS / "robustness.json").exists():  # the committed sweep report is rendered and served
        assert "Robustness sweep" in html and (built_site / "robustness.json").exists()


def test_coverage_page_lists_every_topic(built_site: Path) -> None:
    coverage = json.loads((built_site / "coverage.json").read_text())
    assert [(c["section"], c["topic"]) for c in coverage] == [(s, t) for s, t, _ in parse_topics(topics_text())]
    assert {c["topic"] for c in coverage if c["covered"]} >= {"handwritten digit recognition", "feed-forward network / MLP"}
    html = (built_site / "coverage" / "index.html").read_text()
    assert html.count('<tr data-status="') == len(coverage)
    assert "not covered yet" in html or all(c["covered"] for c in coverage)
