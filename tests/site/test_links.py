"""Every internal link and anchor of the built site resolves (the strict build checks Markdown links; this checks
the HTML, including what plugins and hooks generated: the API reference, notebooks, stamps, coverage)."""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.site

REFERENCE = re.compile(r"""<(?:a|link|img|script|source)\b[^>]*?\b(?:href|src)=(["'])(.*?)\1""", re.I | re.S)
ID = re.compile(r"""\b(?:id|name)=(["'])(.*?)\1""")


@cache
def ids_of(path: Path) -> frozenset[str]:
    return frozenset(html.unescape(m.group(2)) for m in ID.finditer(path.read_text(errors="replace")))


def broken_links(site: Path) -> list[str]:
    broken = []
    for page in sorted(site.rglob("*.html")):
        if page.name == "404.html":  # served by the host for any path: its links are absolute to site_url's path
            continue
        for match in REFERENCE.finditer(page.read_text(errors="replace")):
            url = html.unescape(match.group(2))
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(("mailto:", "data:", "javascript:")):
                continue  # external <a> links are allowed (test_build checks nothing external is fetched)
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir() or parts.path.endswith("/"):
                target = target / "index.html"
            where = f"{page.relative_to(site)}: {url}"
            if not target.is_file():
                broken.append(f"{where} (no file {target})")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in ids_of(target):
                broken.append(f"{where} (no anchor #{parts.fragment})")
    return broken


def test_every_internal_link_and_anchor_resolves(built_site: Path) -> None:
    broken = broken_links(built_site)
    assert not broken, "\n".join(broken[:50])


def test_the_link_check_finds_broken_links(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<p id="here"></p><a href="#here">ok</a><a href="../b/">gone</a>'
                                              '<a href="#nowhere">bad anchor</a><img src="x.png">'
                                              '<a href="https://example.org/">external</a>')
    broken = broken_links(tmp_path)
    assert len(broken) == 3 and any("#nowhere" in b for b in broken) and any("x.png" in b for b in broken)
