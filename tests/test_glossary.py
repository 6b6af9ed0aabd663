"""The glossary defines every term the pages introduce, and every glossary link lands on a real page and heading.

The site's convention: **bold** introduces a term, *italics* stress a word. So every bold span of a page (Markdown
pages under ``docs/`` and the Markdown cells of the project notebooks) must be a glossary term, one of its
alternative names, or a plural or American spelling of one. Two kinds of bold are not terms, by rule:

- a **label** or a **sentence**: the span ends in punctuation (``**Prerequisites:**``, ``**Time:**``,
  ``**Shape mismatch.**``, ``**MSE or MAE?**``);
- a **stressed number**: the span starts with a digit (``**4,000 tweets**``, ``**1. Foundations**``).

Glossary entries are paragraphs under one-letter headings, in alphabetical order::

    **Term** (*alternative name*, *another*) — one or two lines. [Page › Section](../section/page.md#anchor)
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from tests.site.test_coverage import anchors
from tools.hooks.search import STEMS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GLOSSARY = DOCS / "reference" / "glossary.md"
FURTHER_READING = DOCS / "reference" / "further-reading.md"

FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})")
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
ENTRY = re.compile(r"^\*\*(?P<term>[^*]+)\*\*(?: \((?P<aliases>.*?)\))? — (?P<text>.+)$", re.M)
LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")
AUTOLINK = re.compile(r"<([a-z]+:[^>\s]+)>")
US_TO_UK = {us: uk for uk, us in STEMS.items()}  # the site's British spelling is the canonical one


def is_term(span: str) -> bool:
    """A bold span names a term unless it is a label or sentence (ends in punctuation) or a stressed number."""
    return not (span[-1] in ":.?!;," or span[0].isdigit())


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def normalise(term: str) -> str:
    """Case, math and code markup, hyphens, American spellings and a final plural do not make another term."""
    text = re.sub(r"[`$\\]", "", term).casefold()
    text = re.sub(r"[-‐–—/]", " ", text)
    words = text.split()
    for index, word in enumerate(words):
        for us, uk in US_TO_UK.items():
            if word.startswith(us):
                words[index] = uk + word[len(us):]
                break
    if words:
        words[-1] = singular(words[-1])
    return " ".join(words)


def strip_code(markdown: str) -> str:
    """The Markdown without fenced code blocks and with inline code's ``*`` removed (``**kwargs`` is not bold)."""
    kept, fence = [], None
    for line in markdown.splitlines():
        match = FENCE_OPEN.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
            fence = None
        elif fence is None:
            kept.append(line)
    text = "\n".join(kept)
    return re.sub(r"`[^`\n]*`", lambda m: m.group(0).replace("*", ""), text)


def page_texts() -> list[tuple[Path, str]]:
    import jupytext

    pages = [(page, page.read_text()) for page in sorted(DOCS.rglob("*.md")) if page != GLOSSARY]
    for notebook in sorted((DOCS / "projects").glob("*.py")):
        cells = jupytext.read(notebook).cells
        pages.append((notebook, "\n\n".join(c.source for c in cells if c.cell_type == "markdown")))
    return pages


def bold_spans(markdown: str) -> list[str]:
    text = strip_code(markdown)
    text = re.sub(r"^---\n.*?\n---\n", "", text, count=1, flags=re.S)
    return [" ".join(span.split()) for span in BOLD.findall(text) if "\n\n" not in span]


@cache
def glossary_entries() -> list[dict]:
    text = GLOSSARY.read_text()
    entries = []
    letter = None
    for line in text.splitlines():
        heading = re.match(r"^## (\S)$", line)
        if heading:
            letter = heading.group(1)
            continue
        match = ENTRY.match(line)
        if match:
            aliases = re.findall(r"\*([^*]+)\*", match.group("aliases") or "")
            entries.append({
                "term": match.group("term"), "aliases": aliases, "text": match.group("text"), "letter": letter,
                "links": LINK.findall(match.group("text")),
            })
    return entries


def glossary_keys() -> dict[str, str]:
    return {normalise(name): entry["term"] for entry in glossary_entries()
            for name in [entry["term"], *entry["aliases"]]}


def test_the_normaliser_merges_only_spelling_and_number() -> None:
    assert normalise("Regularizations") == normalise("regularisation") == "regularisation"
    assert normalise("Batch Normalization") == "batch normalisation"
    assert normalise("hidden layers") == normalise("hidden layer")
    assert normalise("mini-batches") == "mini batch"
    assert normalise("`torch.export` program") == "torch.export program"
    assert normalise("loss") == "loss" and normalise("error analysis") == "error analysis"
    assert normalise("Policies") == "policy" and normalise("batches") == "batch"
    assert normalise("dropout") != normalise("dropout rate")


def test_labels_sentences_and_numbers_are_not_terms() -> None:
    assert not is_term("Prerequisites:") and not is_term("Shape mismatch.") and not is_term("MSE or MAE?")
    assert not is_term("4,000 tweets") and not is_term("1. Foundations")
    assert is_term("perplexity") and is_term("Xavier (Glorot)")
    assert bold_spans("a **term**\n```python\nf(**a, **b)\n```\n`**kwargs` and **two\nlines**") == [
        "term", "two lines"]


def test_every_bold_term_of_the_pages_is_in_the_glossary() -> None:
    keys = glossary_keys()
    missing = sorted({f"{page.relative_to(ROOT)}: **{span}**" for page, text in page_texts()
                      for span in bold_spans(text) if is_term(span) and normalise(span) not in keys})
    assert not missing, (
        "bold marks a term the glossary defines: add these to docs/reference/glossary.md (as a term or an "
        "alternative name in its parentheses), or write stress in *italics*:\n" + "\n".join(missing)
    )


def test_glossary_is_alphabetical_under_letter_headings() -> None:
    entries = glossary_entries()
    assert len(entries) >= 250, len(entries)
    problems = [f"not an entry (**Term** (*alias*) — text [link](...)): {line[:60]}"
                for line in GLOSSARY.read_text().splitlines() if line.startswith("**") and not ENTRY.match(line)]
    for entry in entries:
        first = normalise(entry["term"])[0].upper()
        expected = first if first.isalpha() else "#"
        if entry["letter"] != expected:
            problems.append(f"{entry['term']!r} is under {entry['letter']!r}, not {expected!r}")
    order = [normalise(entry["term"]) for entry in entries]
    problems += [f"{a!r} before {b!r}" for a, b in zip(order, order[1:]) if a > b]
    duplicates = [key for key in set(order) if order.count(key) > 1]
    assert not problems and not duplicates, "\n".join(problems + [f"{d!r} twice" for d in duplicates])
    aliases = [normalise(name) for entry in entries for name in [entry["term"], *entry["aliases"]]]
    assert len(aliases) == len(set(aliases)), sorted(a for a in set(aliases) if aliases.count(a) > 1)


def test_every_glossary_entry_is_short_and_links_to_a_page() -> None:
    problems = [f"{e['term']}: no link to a page" for e in glossary_entries() if not e["links"]]
    problems += [f"{e['term']}: longer than two lines" for e in glossary_entries()
                 if len(LINK.sub("", e["text"])) > 320]
    assert not problems, "\n".join(problems)


def resolve(link: str, page: Path) -> tuple[Path, str]:
    target, _, anchor = link.partition("#")
    path = (page.parent / target).resolve() if target else page
    return path, anchor


@pytest.mark.parametrize("page", [GLOSSARY, FURTHER_READING], ids=lambda p: p.name)
def test_every_internal_link_resolves_to_a_page_and_heading(page: Path) -> None:
    text = strip_code(page.read_text())
    broken = []
    for link in LINK.findall(text) + AUTOLINK.findall(text):
        if re.match(r"^[a-z]+:", link):
            if not re.match(r"^https?://[\w.-]+\.[a-z]{2,}(/\S*)?$", link) or "utm_" in link:
                broken.append(f"{link}: not a plain web address")
            continue
        path, anchor = resolve(link, page)
        if not path.exists() or DOCS not in path.parents:
            broken.append(f"{link}: no page {path}")
        elif anchor and anchor not in anchors(path):
            broken.append(f"{link}: no heading #{anchor} on {path.relative_to(DOCS)}")
    assert not broken, f"{page.name}:\n" + "\n".join(broken)


def test_further_reading_says_what_each_source_is_best_for() -> None:
    """Every book and course row has a web address and a 'best for' cell; every paper line has a web address."""
    text = FURTHER_READING.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith(("| book", "| course"))]
    assert len(rows) >= 20, len(rows)
    problems = [row for row in rows if len(row.strip("| ").split(" | ")) != 2 or not AUTOLINK.search(row)
                or len(row.strip("| ").split(" | ")[1]) < 15]
    papers = re.findall(r"^- (.+?)(?=^- |^#|\Z)", text.split("## Papers by topic", 1)[1], re.M | re.S)
    assert len(papers) >= 25, len(papers)
    problems += [paper[:60] for paper in papers if not AUTOLINK.search(paper)]
    assert not problems, "\n".join(problems)


def test_pages_further_reading_sections_point_into_the_further_reading_page() -> None:
    """A page's closing '## Further reading' cites only sources the Further reading page lists, and links to it."""
    listed = set(AUTOLINK.findall(FURTHER_READING.read_text()))
    problems, sections = [], 0
    for page in sorted(DOCS.rglob("*.md")):
        if "\n## Further reading\n" not in (text := page.read_text()):
            continue
        sections += 1
        section = text.split("\n## Further reading\n", 1)[1].split("\n## ", 1)[0]
        problems += [f"{page.relative_to(DOCS)}: {url} is not on the Further reading page"
                     for url in AUTOLINK.findall(section) if url not in listed]
        back = [link for link in LINK.findall(section) if resolve(link, page)[0] == FURTHER_READING]
        if not back:
            problems.append(f"{page.relative_to(DOCS)}: no link to the Further reading page")
        problems += [f"{page.relative_to(DOCS)}: no heading #{resolve(link, page)[1]} on further-reading.md"
                     for link in back if resolve(link, page)[1] not in anchors(FURTHER_READING)]
    assert sections >= 30, sections
    assert not problems, "\n".join(problems)
