"""Search that finds the lesson: teaching pages rank above the API reference, and both spellings hit.

- **Boost**: Material's search reads ``search: boost:`` from a page's metadata. Teaching pages get
  ``TEACHING_BOOST``, the generated API reference ``REFERENCE_BOOST``, so "dropout" returns the regularisation
  page before the modules that implement dropout.
- **Spellings**: the site writes British English ("regularisation", "normalisation"); readers search both ways.
  Each page gets a hidden paragraph in its first section listing the other spelling of each such word it uses, as
  often as the page uses it, which the search index reads (readers do not see it).
"""

from __future__ import annotations

import html
import re
from typing import Any

TEACHING_BOOST = 2.0
REFERENCE_BOOST = 0.5
HOME_BOOST = 1.0  # the home page maps every topic: it should not outrank the lesson
MAX_REPEAT = 20

# British stem -> American stem; inflections follow (regularisation(s), regularised, regularising, ...).
STEMS = {
    "regularis": "regulariz", "normalis": "normaliz", "optimis": "optimiz", "initialis": "initializ",
    "generalis": "generaliz", "tokenis": "tokeniz", "visualis": "visualiz", "quantis": "quantiz",
    "standardis": "standardiz", "parameteris": "parameteriz", "minimis": "minimiz", "maximis": "maximiz",
    "summaris": "summariz", "recognis": "recogniz", "vectoris": "vectoriz", "binaris": "binariz",
    "randomis": "randomiz", "characteris": "characteriz", "discretis": "discretiz", "memoris": "memoriz",
    "behaviour": "behavior", "colour": "color", "modelling": "modeling", "labelled": "labeled",
    "labelling": "labeling", "centre": "center", "centred": "centered", "analyse": "analyze", "favour": "favor",
}
_WORD = re.compile(r"\b(" + "|".join(sorted(STEMS, key=len, reverse=True)) + r"|"
                   + "|".join(sorted(STEMS.values(), key=len, reverse=True)) + r")(\w*)", re.I)
_BACK = {us: uk for uk, us in STEMS.items()}


def other_spellings(text: str) -> list[str]:
    """The other spelling of each British/American word in ``text``, once per occurrence (at most ``MAX_REPEAT``),
    so a search in the other spelling scores the page as the page's own spelling would."""
    counts: dict[str, int] = {}
    for stem, rest in _WORD.findall(text):
        lower = stem.lower()
        other = STEMS.get(lower) or _BACK.get(lower)
        if other:
            word = other + rest.lower()
            counts[word] = counts.get(word, 0) + 1
    return [word for word in sorted(counts) for _ in range(min(counts[word], MAX_REPEAT))]


def spellings_html(text: str) -> str:
    """A hidden paragraph the search index reads (put in the page's first section), or nothing."""
    words = other_spellings(text)
    if not words:
        return ""
    return f'<p class="dlkit-spellings" hidden>{html.escape(" ".join(words))}</p>\n'


def set_boost(page: Any, is_reference: bool) -> None:
    """Give the page its search boost unless its front matter sets one."""
    search = page.meta.setdefault("search", {})
    if isinstance(search, dict):
        boost = REFERENCE_BOOST if is_reference else HOME_BOOST if page.file.src_uri == "index.md" else TEACHING_BOOST
        search.setdefault("boost", boost)
