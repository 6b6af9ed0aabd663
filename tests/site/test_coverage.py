"""The pages' ``covers`` claims are valid, so the generated Coverage page cannot point at nothing.

Fast checks on the sources (no site build): every ``covers`` topic is a row of TOPICS.md, verbatim, and every
section is a heading anchor of its page. The build's hook checks the same against the rendered pages (a warning
fails the strict build), and tests/site/test_build.py checks the Coverage page it generated.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import markdown
import pytest
import yaml

from tests.site.conftest import ROOT
from tools.hooks.coverage import TOPICS_COPY, TOPICS_SHARED, notebook_covers, parse_topics, split_list_items, topics_text

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
NOTEBOOKS = sorted((DOCS / "projects").glob("*.py"))
EXTENSIONS = ["toc", "attr_list", "md_in_html", "admonition", "tables", "pymdownx.superfences", "pymdownx.details"]


def front_matter(page: Path) -> dict:
    match = re.match(r"^---\n(.*?)\n---\n", page.read_text(), re.S)
    return (yaml.safe_load(match.group(1)) or {}) if match else {}


@cache
def anchors(page: Path) -> set[str]:
    if page.suffix == ".py":
        import jupytext
        from mkdocs_jupyter.utils import slugify

        ids = set()
        for cell in jupytext.read(page).cells:
            if cell.cell_type == "markdown":
                ids.update(slugify(h) for h in re.findall(r"^#{1,6}\s+(.+?)\s*$", cell.source, re.M))
        return ids
    md = markdown.Markdown(extensions=EXTENSIONS)
    md.convert(re.sub(r"^---\n.*?\n---\n", "", page.read_text(), count=1, flags=re.S))

    def walk(tokens: list[dict]) -> set[str]:
        return {t["id"] for t in tokens} | {i for t in tokens for i in walk(t["children"])}

    return walk(md.toc_tokens) | set(re.findall(r"\{#([\w-]+)", page.read_text()))


def claims() -> list[tuple[Path, dict]]:
    out = [(page, entry) for page in PAGES for entry in (front_matter(page).get("covers") or [])]
    return out + [(nb, entry) for nb in NOTEBOOKS for entry in notebook_covers(nb)]


def test_the_topics_copy_equals_the_shared_map() -> None:
    if not TOPICS_SHARED.exists():
        pytest.skip("../shared/TOPICS.md is not beside this clone; the build uses the copy in tools/")
    assert TOPICS_COPY.read_text() == TOPICS_SHARED.read_text(), "update tools/TOPICS.md from ../shared/TOPICS.md"


def test_topics_parse_into_rows_and_list_items() -> None:
    topics = parse_topics(topics_text())
    sections = {section for section, _, _ in topics}
    assert len(sections) == 8
    names = [topic for _, topic, _ in topics]
    assert "feed-forward network / MLP" in names and "ROC-AUC" in names and "handwritten digit recognition" in names
    assert "F1 (binary, multiclass, averaging)" in names  # commas inside parentheses do not split an item
    assert split_list_items("a, b (x, y); c.") == ["a", "b (x, y)", "c"]


def test_every_covers_topic_is_a_topics_row() -> None:
    known = {topic for _, topic, _ in parse_topics(topics_text())}
    unknown = [f"{page.relative_to(ROOT)}: {entry.get('topic')!r}" for page, entry in claims()
               if entry.get("topic") not in known]
    assert not unknown, "covers topics must be a TOPICS.md row's first cell or list item, verbatim:\n" + "\n".join(unknown)


def test_every_covers_section_is_an_anchor_of_its_page() -> None:
    missing = [f"{page.relative_to(ROOT)}: {entry.get('section')!r}" for page, entry in claims()
               if not str(entry.get("section", "")).startswith("#") or entry["section"][1:] not in anchors(page)]
    assert not missing, "covers sections must be heading anchors of the page:\n" + "\n".join(missing)
