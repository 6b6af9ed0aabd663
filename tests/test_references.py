"""tools/references.yml and its hook (tools/hooks/references.py): every URL is a well-formed https link to the
official host, every API name exists, every paper a page cites is in the mapping, and the linking leaves code
blocks, headings and existing links alone."""

from __future__ import annotations

import html
import importlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import markdown
import pytest

from tools.hooks import references

DOCS = Path(__file__).resolve().parents[1] / "docs"
REFS = references.load()
PAPER_HOSTS = {"arxiv.org", "doi.org", "proceedings.mlr.press"}
API_HOSTS = {"docs.pytorch.org", "lightning.ai"}
# An author-year citation: "Vaswani et al., 2017", "Kipf & Welling, 2017", "Hochreiter & Schmidhuber (1997)",
# "Hinton, Vinyals and Dean, 2015", "Williams, 1992".
CITATION = re.compile(
    r"[A-Z][\w'-]+(?: et al\.|(?:, [A-Z][\w'-]+)*,? (?:&amp;|and) [A-Z][\w'-]+)?(?:, | \()(?:19|20)\d\d\b"
)
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$", re.M | re.S)


def well_formed(url: str, hosts: set[str]) -> bool:
    parts = urlsplit(url)
    return (parts.scheme == "https" and parts.netloc in hosts and parts.path.startswith("/")
            and not any(c.isspace() for c in url) and '"' not in url)


def test_every_url_is_well_formed_https_on_an_official_host():
    bad = [p.url for p in REFS.papers if not well_formed(p.url, PAPER_HOSTS)]
    bad += [url for url in REFS.api.values() if not well_formed(url, API_HOSTS)]
    assert not bad, bad
    assert all(re.fullmatch(r"https://arxiv\.org/abs/\d{4}\.\d{4,5}", p.url)
               or re.fullmatch(r"https://doi\.org/10\.\d{4,9}/\S+", p.url)
               or p.url.startswith("https://proceedings.mlr.press/") for p in REFS.papers)


def test_pytorch_pages_are_named_after_the_object():
    """docs.pytorch.org names each object's page after its full name: a typo in either shows here."""
    for name, url in REFS.api.items():
        if "/generated/" in url:
            assert url == f"https://docs.pytorch.org/docs/stable/generated/{name}.html", (name, url)
        elif "#torch." in url:  # an object's anchor on its module's page
            assert url.rsplit("#", 1)[1].endswith("." + name.rsplit(".", 1)[1]), (name, url)


def _resolve(name: str) -> object:
    """The object a mapping key names (Lightning's keys have no package)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        pass
    module, _, attribute = name.rpartition(".")
    if not module:
        for package in ("pytorch_lightning", "pytorch_lightning.callbacks"):
            if hasattr(importlib.import_module(package), name):
                return getattr(importlib.import_module(package), name)
        raise AttributeError(f"Expected a Lightning name, but got {name!r}")
    return getattr(_resolve(module), attribute)


@pytest.mark.parametrize("name", sorted(REFS.api))
def test_every_api_name_exists_in_the_installed_packages(name: str):
    _resolve(name)


def test_every_paper_a_page_cites_is_linked():
    """Each author-year citation in a page's prose overlaps a citation of a paper in the mapping, or carries its
    own address."""
    unmatched = []
    for page in sorted(DOCS.rglob("*.md")):
        prose = re.sub(r"`[^`\n]*`", "", FENCE.sub("", page.read_text()))
        text = html.escape(re.sub(r"\s+", " ", prose), quote=False)  # as the hook sees it: `&` escaped
        spans = [m.span() for paper in REFS.papers for m in paper.pattern().finditer(text)]
        citations = list(CITATION.finditer(text))
        for match, following in zip(citations, citations[1:] + [None]):
            if any(start < match.end() and match.start() < end for start, end in spans):
                continue
            # A citation written with its own address (the "Further reading" lists: `Author (year), *Title*,
            # <https://...>`) is linked where it stands.
            if "&lt;https://" in text[match.end():following.start() if following else match.end() + 400]:
                continue
            unmatched.append(f"{page.relative_to(DOCS)}: {match.group(0)}")
    assert not unmatched, unmatched


def test_first_mentions_are_linked_and_code_headings_and_links_are_not():
    page = markdown.markdown(
        "## Using `nn.Conv2d`\n\n"
        "The transformer (Vaswani et al.,\n2017) uses `nn.Linear(3, 4)` and `F.conv2d`; "
        "again `nn.Conv2d` and `torch.nn.Conv2d` and (Vaswani et al., 2017). "
        "[`nn.LSTM`](somewhere.md), `pl.Trainer`, `ReduceLROnPlateau`, `not_an_api`.\n\n"
        "Hochreiter & Schmidhuber (1997) and Gers et al., 2000.\n\n"
        "```python\nnn.GRU(1, 2)  # Cho et al., 2014\n```\n",
        extensions=["fenced_code"],
    )
    linked = references.link(page, REFS)
    conv = REFS.api["torch.nn.Conv2d"]
    assert "<h2>Using <code>nn.Conv2d</code></h2>" in linked  # headings untouched
    assert linked.count(f'href="{conv}"') == 1  # first mention in the prose only
    assert f'<a class="dlkit-api" href="{conv}"><code>nn.Conv2d</code></a>' in linked
    assert f'href="{REFS.api["torch.nn.Linear"]}"><code>nn.Linear(3, 4)</code></a>' in linked
    assert f'href="{REFS.api["torch.nn.functional.conv2d"]}"' in linked
    assert f'href="{REFS.api["Trainer"]}"' in linked
    assert f'href="{REFS.api["torch.optim.lr_scheduler.ReduceLROnPlateau"]}"' in linked
    assert REFS.api["torch.nn.LSTM"] not in linked  # already a link
    assert 'href="https://arxiv.org/abs/1706.03762" title="Attention Is All You Need">Vaswani et al.,\n2017</a>' \
        in linked
    assert linked.count("arxiv.org/abs/1706.03762") == 1
    assert '">Hochreiter &amp; Schmidhuber (1997)</a>' in linked
    assert "https://doi.org/10.1162/089976600300015015" in linked
    assert "1406.1078" not in linked  # Cho et al. only inside a code block
    assert REFS.api["torch.nn.GRU"] not in linked


def test_a_page_links_its_papers_and_api_names():
    """A sample: the transformer page as built links Vaswani et al. and the PyTorch layers it compares against."""
    text = FENCE.sub("", (DOCS / "architectures" / "transformer.md").read_text())
    linked = references.link(markdown.markdown(text), REFS)
    for url in ("https://arxiv.org/abs/1706.03762", "https://arxiv.org/abs/2002.04745",
                REFS.api["torch.nn.TransformerEncoderLayer"], REFS.api["torch.nn.TransformerDecoderLayer"]):
        assert f'href="{url}"' in linked, url
