"""Topics and coverage: every row of TOPICS.md with the page section that claims it (``covers:`` front matter,
or the ``covers`` key of a notebook's Jupytext header), and the rows nothing covers yet.

A ``covers`` entry naming an unknown topic or a missing section anchor is a problem the hook logs as a warning,
which fails the strict build.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.hooks import ROOT

TOPICS_SHARED = ROOT.parent / "shared" / "TOPICS.md"
TOPICS_COPY = ROOT / "tools" / "TOPICS.md"
COVERAGE_PAGE = "coverage.md"
PLACEHOLDER = "<!-- dlkit:coverage -->"

Topic = tuple[str, str, str]  # section title, topic, what it must demonstrate


def topics_text() -> str:
    """TOPICS.md from ../shared when present (CI has it beside the clone), else the copy in tools/."""
    return (TOPICS_SHARED if TOPICS_SHARED.exists() else TOPICS_COPY).read_text()


def split_list_items(text: str) -> list[str]:
    """``a, b (x, y); c.`` -> ``["a", "b (x, y)", "c"]``: commas and semicolons outside parentheses split."""
    items, depth, current = [], 0, ""
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char in ",;" and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    return [item.strip().rstrip(".").strip() for item in items if item.strip().rstrip(".").strip()]


def parse_topics(text: str) -> list[Topic]:
    """``(section title, topic, what it must demonstrate)`` for every table row and list item of sections 1-8."""
    topics: list[Topic] = []
    for match in re.finditer(r"^## (\d+)\. (.+?)\n(.*?)(?=^## |\Z)", text, re.M | re.S):
        number, title, body = int(match.group(1)), match.group(2).strip(), match.group(3)
        if not 1 <= number <= 8:
            continue
        section = f"{number}. {title}"
        rows = [line for line in body.splitlines() if line.startswith("|")]
        if rows:
            for line in rows[2:]:  # header and separator first
                cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
                topics.append((section, cells[0], cells[1] if len(cells) > 1 else ""))
        else:
            paragraph = " ".join(line.strip() for line in body.splitlines() if line.strip())
            topics.extend((section, item, "") for item in split_list_items(paragraph))
    return topics


def notebook_covers(path: Path) -> list[dict[str, str]]:
    import jupytext

    return list(jupytext.read(path).metadata.get("covers", []) or [])


def coverage_page() -> str:
    return (
        "# Coverage\n\nEvery concept of the knowledge base's map (`TOPICS.md`) with the section of the site that "
        "demonstrates it, in the site's own words (page and section titles), generated from the pages' `covers` "
        "front matter when the site is built, so it cannot claim a page that does not exist. Rows without a page "
        "are listed as not covered yet.\n\n" + PLACEHOLDER + "\n"
    )


def validate_covers(pages: dict[str, dict[str, Any]], topics: list[Topic]) -> list[str]:
    """Problems with the pages' ``covers`` entries: unknown topics, sections that are not anchors of the page."""
    known = {topic for _, topic, _ in topics}
    problems = []
    for uri, info in pages.items():
        for entry in info["covers"]:
            topic, section = entry.get("topic", ""), entry.get("section", "")
            if topic not in known:
                problems.append(f"{uri}: covers topic {topic!r} is not a row of TOPICS.md (first cell, verbatim)")
            if not section.startswith("#") or section[1:] not in info["ids"]:
                problems.append(f"{uri}: covers section {section!r} is not an anchor of the page")
    return problems


def inline_code(text: str) -> str:
    """Escape TOPICS.md text for HTML, turning its `backticks` into <code> as Markdown would."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def coverage_table(pages: dict[str, dict[str, Any]], topics: list[Topic], link: Callable[[str], str]) -> str:
    """The Coverage page's tables; ``link(url)`` makes a site URL relative to the page showing it."""
    claims: dict[str, list[str]] = {}
    for uri, info in sorted(pages.items()):
        for entry in info["covers"]:
            section = entry.get("section", "")
            heading = info["headings"].get(section[1:], info["title"])
            url = link(info["url"]) + section
            words = html.escape(info["title"] or uri) + (
                f" › {html.escape(heading)}" if heading and heading != info["title"] else ""
            )
            claims.setdefault(entry.get("topic", ""), []).append(f'<a href="{url}">{words}</a>')
    covered = sum(topic in claims for _, topic, _ in topics)
    out = [
        f'<p class="dlkit-coverage-summary"><strong>{covered}</strong> of {len(topics)} topics covered; '
        f"{len(topics) - covered} not yet.</p>"
    ]
    current = None
    for section, topic, demonstrate in topics:
        if section != current:
            if current is not None:
                out.append("</tbody></table></div>")
            out.append(f"<h2>{html.escape(section)}</h2><div class=\"dlkit-coverage\"><table><thead><tr><th>topic</th>"
                       "<th>where the site shows it</th></tr></thead><tbody>")
            current = section
        where = "<br>".join(claims.get(topic, [])) or "<em>not covered yet</em>"
        status = "covered" if topic in claims else "missing"
        hint = f'<br><small>{inline_code(demonstrate)}</small>' if demonstrate else ""
        out.append(f'<tr data-status="{status}"><td>{inline_code(topic)}{hint}</td><td>{where}</td></tr>')
    out.append("</tbody></table></div>")
    return "".join(out)


def coverage_json(pages: dict[str, dict[str, Any]], topics: list[Topic]) -> list[dict[str, Any]]:
    covered = {entry.get("topic") for info in pages.values() for entry in info["covers"]}
    return [{"section": section, "topic": topic, "covered": topic in covered} for section, topic, _ in topics]
