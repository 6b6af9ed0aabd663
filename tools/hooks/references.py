"""References: papers the pages cite, and PyTorch/Lightning names, linked to where a reader can read them.

``tools/references.yml`` lists each cited paper (the author-year texts the pages use, and its arXiv or DOI URL)
and each API name (its official documentation). On every teaching page the build links the **first** citation of
each paper and the **first** inline-code mention of each API name: ``(Vaswani et al., 2017)`` becomes a link to
arXiv, `` `nn.Conv2d` `` a link to ``torch.nn.Conv2d``'s page. Code blocks, headings and text that is already a
link are left alone. These are plain ``<a href>`` links: the browser loads nothing from those hosts.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from tools.hooks import ROOT

MAPPING = ROOT / "tools" / "references.yml"
# How pages abbreviate a name -> its full name in the mapping (Lightning's names are keyed without a package).
ALIASES = (
    ("torch.nn.", "torch.nn."), ("nn.", "torch.nn."), ("F.", "torch.nn.functional."), ("optim.", "torch.optim."),
    ("lr_scheduler.", "torch.optim.lr_scheduler."), ("pytorch_lightning.callbacks.", ""),
    ("lightning.pytorch.callbacks.", ""), ("pytorch_lightning.", ""), ("lightning.pytorch.", ""), ("pl.", ""),
    ("L.", ""),
)
BARE_PREFIXES = ("torch.optim.lr_scheduler.",)  # `ReduceLROnPlateau` written without its module
_CALL = re.compile(r"^([A-Za-z_][\w.]*)(?:\(.*\))?$", re.S)
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
# Inside these nothing is linked: code blocks, existing links, headings (their text is also the table of contents).
_SKIP = {"a", "pre", "code", "script", "style", "h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True)
class Paper:
    cites: tuple[str, ...]
    url: str
    title: str

    def pattern(self) -> re.Pattern[str]:
        """Any of the citation texts as they appear in HTML (``&`` escaped, any whitespace between words)."""
        texts = [r"\s+".join(re.escape(html.escape(word, quote=False)) for word in cite.split())
                 for cite in self.cites]
        return re.compile("|".join(texts))


@dataclass(frozen=True)
class References:
    papers: tuple[Paper, ...]
    api: dict[str, str]

    def api_url(self, code: str) -> str | None:
        """The documentation URL of an inline-code text (``nn.Conv2d``, ``nn.Linear(3, 4)``, ``F.conv2d``, ...)."""
        match = _CALL.match(code.strip())
        if match is None:
            return None
        name = match.group(1)
        candidates = [name]
        candidates += [full + name[len(short):] for short, full in ALIASES if name.startswith(short)]
        if "." not in name:
            candidates += [prefix + name for prefix in BARE_PREFIXES]
        return next((self.api[c] for c in candidates if c in self.api), None)


def load(path: Path = MAPPING) -> References:
    import yaml

    data = yaml.safe_load(path.read_text())
    papers = tuple(Paper(tuple(p["cites"]), p["url"], p["title"]) for p in data.get("papers") or [])
    return References(papers=papers, api=dict(data.get("api") or {}))


def link(content: str, refs: References) -> str:
    """The page's HTML with the first citation of each paper and the first mention of each API name linked."""
    parts = _TAG.split(content)
    open_tags = {tag: 0 for tag in _SKIP}
    linked: set[str] = set()
    patterns = [(paper, paper.pattern()) for paper in refs.papers]
    out: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        tag = _TAG_NAME.match(part) if part.startswith("<") else None
        if tag is not None:
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            outside = not any(open_tags.values())
            if (name == "code" and not closing and outside and i + 2 < len(parts)
                    and parts[i + 2].lower() == "</code>"):
                url = refs.api_url(html.unescape(parts[i + 1]))
                if url is not None and url not in linked:
                    linked.add(url)
                    anchor = f'<a class="dlkit-api" href="{html.escape(url)}">'
                    out += [anchor, part, parts[i + 1], parts[i + 2], "</a>"]
                    i += 3
                    continue
            if name in _SKIP and not part.endswith("/>"):
                open_tags[name] = max(0, open_tags[name] + (-1 if closing else 1))
        elif part and not any(open_tags.values()):
            found = sorted((m.start(), m.end(), paper) for paper, pattern in patterns
                           if paper.url not in linked and (m := pattern.search(part)))
            pieces, position = [], 0
            for start, end, paper in found:
                if start < position:  # overlaps a citation linked just before
                    continue
                linked.add(paper.url)
                pieces += [part[position:start], f'<a class="dlkit-paper" href="{html.escape(paper.url)}" '
                           f'title="{html.escape(paper.title)}">{part[start:end]}</a>']
                position = end
            part = "".join(pieces) + part[position:]
        out.append(part)
        i += 1
    return "".join(out)
