"""The built site in a real browser: headless Chromium (Debian's package) driven by Playwright.

The site is served on 127.0.0.1 by a thread; every request the browser makes and every console error is recorded,
and the last tests assert none left 127.0.0.1 and none occurred. Screenshots go to test-artifacts/ (gitignored).
`make test` installs Chromium when it is missing (Playwright's own browser download cannot work offline).
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from tests.site.conftest import ROOT

pytestmark = pytest.mark.site

CHROMIUM = Path(os.environ.get("DLKIT_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts"
# Without the background-networking flags Chromium keeps trying hosts the machine cannot reach.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-extensions"]
LOCAL_SCHEMES = {"data", "blob", "about"}


class Recorder:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.console_errors: list[str] = []


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def page(site_url: str, recorder: Recorder) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        context.on("request", lambda request: recorder.requests.append(request.url))
        tab = context.new_page()
        tab.on("console", lambda msg: msg.type == "error" and recorder.console_errors.append(
            f"{tab.url}: {msg.text} ({msg.location.get('url', '')})"))
        tab.on("pageerror", lambda error: recorder.console_errors.append(f"{tab.url}: {error}"))
        tab.set_default_timeout(20_000)
        yield tab
        context.close()
        browser.close()


def open_page(page: Any, url: str) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: {response.status if response else 'no response'}"


def test_home_page_renders(page: Any, site_url: str) -> None:
    open_page(page, site_url + "/")
    assert "dlkit" in page.title()
    assert page.locator("article h1").first.inner_text().startswith("dlkit")
    assert page.locator(".md-tabs__link").count() >= 4  # the section tabs
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"))


@pytest.mark.timeout(900)  # ~130 pages, each loaded and checked: minutes on a busy 2-core machine
def test_navigation_reaches_every_page(page: Any, site_url: str, built_site: Path) -> None:
    open_page(page, site_url + "/")
    hrefs = page.eval_on_selector_all("nav.md-nav--primary a.md-nav__link[href]", "links => links.map(a => a.href)")
    urls = sorted({href.split("#")[0] for href in hrefs})
    pages_built = [p for p in built_site.rglob("index.html") if "generated" not in p.parts]
    assert len(urls) == len(pages_built), "every built page is in the navigation, and nothing else is"
    problems: dict[str, list[str]] = {"alt": [], "output": [], "scroll": [], "math": []}
    module_pages = [url for url in urls if "/reference/dlkit/" in url][1:]  # the first one is opened below
    for url in urls:
        assert urlsplit(url).hostname == "127.0.0.1", url
        if url in module_pages:  # ~60 generated API pages: their checks need no layout, read from the file
            found = static_checks((built_site / urlsplit(url).path.lstrip("/") / "index.html").read_text())
            assert found.pop("h1"), url
        else:
            open_page(page, url)
            found = page.evaluate(PAGE_CHECKS)  # one call per page: a locator round trip here doubled the walk
            assert found.pop("h1"), url
        problems["alt"] += [f"{url}: {src}" for src in found["badAlt"]]
        problems["math"] += [url] if found["rawMath"] else []
        if "/reference/" not in url:
            problems["output"] += [f"{url}: {code}" for code in found["printsWithoutOutput"]]
            problems["scroll"] += [f"{url}: {code}" for code in found["scrolling"]]
    assert not problems["alt"], "images without a real alt text:\n" + "\n".join(problems["alt"])
    assert not problems["math"], "raw :math: markup on " + ", ".join(problems["math"])
    assert not problems["output"], "python examples that print with no output shown:\n" + "\n".join(problems["output"])
    assert not problems["scroll"], "code blocks that scroll sideways at 1280 px:\n" + "\n".join(problems["scroll"])


_PLACEHOLDER_ALT = re.compile(r"^(|image|figure|png|no description has been provided for this image)$", re.I)


def static_checks(page_html: str) -> dict[str, Any]:
    """PAGE_CHECKS' alt-text and raw-math checks on a built file, for pages whose layout is not checked."""
    article = page_html.split("<article", 1)[1].split("</article>", 1)[0]
    text = html.unescape(re.sub(r"<[^>]+>", "", article))
    images = re.findall(r"<img\b[^>]*>", article)
    alt = [html.unescape(m.group(1)) if (m := re.search(r'\balt="([^"]*)"', tag)) else "" for tag in images]
    bad = [re.search(r'\bsrc="([^"]*)"', tag).group(1)
           for tag, a in zip(images, alt) if _PLACEHOLDER_ALT.match(a.strip())]
    return {"h1": "<h1" in article, "badAlt": bad, "rawMath": ":math:`" in text}


# What a reader would trip over on one page: images without a real alt text, raw reST math, a python example that
# prints but shows no output under it (skipped examples excepted), code blocks wider than the column.
PAGE_CHECKS = r"""() => {
  const placeholder = /^(|image|figure|png|no description has been provided for this image)$/i;
  const badAlt = [...document.querySelectorAll("article img")]
    .filter(img => placeholder.test((img.getAttribute("alt") || "").trim()))
    .map(img => img.getAttribute("src"));
  const rawMath = document.querySelector("article").innerText.includes(":math:`");
  const printsWithoutOutput = [...document.querySelectorAll("article div.language-python.highlight")]
    .filter(block => /\bprint\(/.test(block.innerText))
    .filter(block => {
      const before = block.previousElementSibling;
      if (before && before.classList.contains("admonition") && before.innerText.includes("Not run by the test suite")) {
        return false;
      }
      const next = block.nextElementSibling;
      const label = next && next.querySelector(".filename");
      const rendered = next && next.tagName === "DETAILS"
        && next.querySelector("summary").innerText.startsWith("Output");
      return !(rendered || (label && label.innerText.trim() === "Output"));
    })
    .map(block => block.innerText.split("\n").find(line => line.includes("print(")).slice(0, 80));
  const scrolling = [...document.querySelectorAll("article pre > code, article .jp-InputArea-editor pre")]
    .filter(code => code.scrollWidth > code.clientWidth + 2)
    .map(code => code.innerText.split("\n").reduce((a, b) => (b.length > a.length ? b : a), "").slice(0, 100));
  const h1 = document.querySelector("article h1") !== null;
  return {h1, badAlt, rawMath, printsWithoutOutput, scrolling};
}"""


# Queries a reader types and the page that must come first: teaching pages before the API reference, and the
# American spelling finds the British page.
SEARCH_FIRST = {
    "dropout": "fundamentals/regularisation/",
    "regularization": "fundamentals/regularisation/",
    "batch normalization": "fundamentals/batch-norm/",
    "LSTM": "architectures/lstm-gru/",
    "backpropagation": "fundamentals/backpropagation/",
    "perplexity": "architectures/gpt/",
}


def search(page: Any, site_url: str, query: str) -> list[str]:
    """Type ``query`` into the home page's search box and return the links of its results, once they settle."""
    open_page(page, site_url + "/")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").fill(query)
    page.wait_for_selector(".md-search-result__item", timeout=20_000)
    # The results of the whole query: the same list on two looks 250 ms apart (no fixed sleep)
    page.wait_for_function(
        """() => {
          const now = [...document.querySelectorAll('.md-search-result__item > a')].map(a => a.href).join(' ');
          const same = now === window.__dlkitLastResults;
          window.__dlkitLastResults = now;
          return same;
        }""",
        polling=250,
    )
    return page.eval_on_selector_all(".md-search-result__item > a", "links => links.map(a => a.href)")


@pytest.mark.parametrize("query", sorted(SEARCH_FIRST))
def test_search_returns_the_lesson_first(page: Any, site_url: str, query: str) -> None:
    first = search(page, site_url, query)[0]
    assert urlsplit(first).path.lstrip("/").split("#")[0] == SEARCH_FIRST[query], (query, first)


def test_pages_link_to_the_previous_and_next(page: Any, site_url: str) -> None:
    open_page(page, site_url + "/fundamentals/activations/")
    assert page.locator("a.md-footer__link--prev").count() == 1
    assert page.locator("a.md-footer__link--next").count() == 1


def expected_search_hits(built_site: Path, term: str) -> tuple[set[str], set[str]]:
    """Pages whose title names the term, and pages whose text contains it, from the site's own search index."""
    docs = json.loads((built_site / "search" / "search_index.json").read_text())["docs"]
    by_title = {d["location"] for d in docs if "#" not in d["location"] and term.lower() in d["title"].lower()}
    by_text = {d["location"].split("#")[0] for d in docs if term.lower() in (d["title"] + d["text"]).lower()}
    return by_title, by_text


@pytest.mark.parametrize("term", ["LSTM", "dropout"])
def test_search_finds_the_right_pages(page: Any, site_url: str, built_site: Path, term: str) -> None:
    found = search(page, site_url, term)
    paths = {urlsplit(url).path.lstrip("/").split("#")[0] for url in found}
    by_title, by_text = expected_search_hits(built_site, term)
    assert found and paths <= by_text, (term, paths - by_text)
    if by_title:  # a page about the term exists: it is among the results
        assert paths & by_title, (term, by_title, paths)


def test_code_blocks_have_a_copy_button(page: Any, site_url: str) -> None:
    open_page(page, site_url + "/architectures/feed-forward/")
    copy = '.highlight button[data-md-type="copy"], .highlight button.md-clipboard'  # Material 9.8 / older
    page.wait_for_selector(copy, state="attached")
    assert page.locator(copy).count() >= 5
    assert page.locator("details.dlkit-stamp").count() == 1
    page.screenshot(path=str(ARTIFACTS / "feed-forward.png"), full_page=False)


def test_math_renders_with_katex(page: Any, site_url: str) -> None:
    open_page(page, site_url + "/fundamentals/neurons-and-layers/")
    page.wait_for_selector(".arithmatex .katex", state="attached")
    assert page.locator(".katex-display").count() >= 1  # the display formula
    assert page.locator(".katex-error").count() == 0


def test_notebook_page_renders_with_its_math(page: Any, site_url: str) -> None:
    import jupytext

    notebooks = sorted((ROOT / "docs" / "projects").glob("*.py"))
    for notebook in notebooks:
        open_page(page, f"{site_url}/projects/{notebook.stem}/")
        cells = jupytext.read(notebook).cells
        prose = "\n".join(c.source for c in cells if c.cell_type == "markdown")
        shows = sum(c.source.count("plt.show()") for c in cells if c.cell_type == "code")
        assert page.locator(".jupyter-wrapper .jp-CodeCell").count() >= 5
        images = page.locator(".jp-OutputArea-output img")
        assert images.count() >= shows >= 1  # every figure the notebook shows
        assert images.first.evaluate("img => img.complete && img.naturalWidth > 0")
        if re.search(r"\$[^$\n]+\$", prose):  # the notebook's text has math: KaTeX renders it
            page.wait_for_selector(".jupyter-wrapper .katex", state="attached")
        assert page.locator(".jupyter-wrapper .katex-error").count() == 0
        download = page.locator(f'a[href="{notebook.stem}.ipynb"]')
        assert download.count() == 1
        link = urljoin(page.url, download.get_attribute("href"))
        assert page.request.get(link).json()["nbformat"] == 4
    page.screenshot(path=str(ARTIFACTS / "notebook.png"), full_page=False)


def test_no_console_errors(recorder: Recorder, page: Any) -> None:
    assert recorder.requests, "the browser tests ran first"
    assert not recorder.console_errors, "\n".join(recorder.console_errors)


def test_no_request_leaves_127_0_0_1(recorder: Recorder, page: Any) -> None:
    outside = sorted({url for url in recorder.requests
                      if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"})
    assert not outside, outside
    assert any(re.search(r"/assets/katex/katex\.min\.js$", url) for url in recorder.requests)
