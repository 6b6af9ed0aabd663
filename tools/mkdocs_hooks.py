"""MkDocs hooks (listed in mkdocs.yml): make what the test suite did visible on the site, and generate the pages
that must not lie. Each concern is a module of ``tools/hooks/`` (skips, outputs, reference, coverage,
verification, notebooks); this file only wires them to MkDocs' events.

What one build collects is a ``SiteBuild``, created at ``on_config`` and stored on that build's config object
(``config.dlkit_site``): no module-level state, so ``mkdocs serve`` rebuilds start clean.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # `mkdocs build` run as a script, not `python -m`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.hooks import (  # noqa: E402
    ROOT, coverage, notebooks, outputs, page_notebooks, reference, references, search, skips, verification,
)

log = logging.getLogger("mkdocs.hooks.dlkit")

FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*(?:python|pycon)[ \t]*$", re.M)
HTML_ID = re.compile(r"""\bid=["']([^"']+)["']""")


@dataclass
class SiteBuild:
    """Everything one build collects, passed explicitly to the concern modules."""

    modules: list[reference.Module] = field(default_factory=list)
    topics: list[coverage.Topic] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    robustness: dict[str, Any] | None = None
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # src_uri -> title, url, ids, headings, covers
    refs: references.References | None = None  # tools/references.yml: papers and API docs to link

    def entries(self) -> dict[str, dict[str, Any]]:
        """The suite's entries: pages, docstrings and notebooks."""
        return self.results.get("entries", {})


def site_build(config: Any) -> SiteBuild:
    return config.dlkit_site


def relative_url(target: str, page: Any) -> str:
    from mkdocs.utils import get_relative_url

    return get_relative_url(target, page.url)


def source_key(page: Any, build: SiteBuild) -> str:
    """The file the suite's results are keyed by: ``docs/x.md``, a notebook, or a module's source for its reference."""
    uri = page.file.src_uri
    return reference.module_source(uri, build.modules) or f"docs/{uri}"


GENERATED_NOTES = {
    verification.VERIFICATION_PAGE: "This page is generated from the suite's results (pages, docstrings and "
                                    "notebooks) and the robustness sweep's report.",
    coverage.COVERAGE_PAGE: "This page is generated from TOPICS.md and the pages' <code>covers</code> front matter.",
    reference.INDEX: "This page lists the modules found in the <code>dlkit</code> package tree.",
}


# ----------------------------------------------------------------------------------------------------------------
# MkDocs events


def on_config(config: Any) -> Any:
    build = SiteBuild(modules=reference.reference_modules(), topics=coverage.parse_topics(coverage.topics_text()))
    config.dlkit_site = build
    build.refs = references.load()
    reference.accept_singular_example_sections()
    nav_entry = reference.reference_nav(build.modules)
    if config["nav"] is not None and not reference.replace_nav_entry(config["nav"], reference.REFERENCE_NAV_TITLE,
                                                                      nav_entry):
        log.warning(f"mkdocs.yml's nav has no '{reference.REFERENCE_NAV_TITLE}' entry for the generated API reference")
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    build = site_build(config)
    pages = reference.reference_files(build.modules)
    pages[verification.VERIFICATION_PAGE] = verification.verification_page(verification.ROBUSTNESS.exists())
    pages[coverage.COVERAGE_PAGE] = coverage.coverage_page()
    for uri, content in pages.items():
        files.append(File.generated(config, uri, content=content))
    return files


def on_pre_build(config: Any) -> None:
    build = site_build(config)
    build.results = verification.load_results()
    build.robustness = verification.load_robustness()


def on_pre_page(page: Any, config: Any, files: Any) -> Any:
    if notebooks.is_notebook(page):  # render the copy the suite executed (mkdocs-jupyter's render is lazy)
        problem = notebooks.use_executed_copy(page)
        if problem:
            log.warning(problem)
    return page


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    build = site_build(config)
    if page is not None and notebooks.is_notebook(page):
        return markdown
    uri = page.file.src_uri
    key = source_key(page, build)
    if uri not in GENERATED_NOTES:
        search.set_boost(page, is_reference=key.startswith("dlkit/") or uri.startswith("reference/"))
    if not key.startswith("dlkit/") and uri not in GENERATED_NOTES:
        entry = build.entries().get(key) or {}
        markdown = outputs.show(
            markdown, outputs.load(uri), page_failed=bool(entry.get("failed")), claims=entry.get("claims", []),
            robustness=(build.robustness or {}).get("pages", {}).get(key),
            problem=lambda message: log.warning(f"{key}: {message}"),
        )
    return skips.show_skips(markdown)


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    build = site_build(config)
    uri = page.file.src_uri
    key = source_key(page, build)
    covers: list[dict[str, str]] = []
    is_notebook = notebooks.is_notebook(page)
    if is_notebook:
        content = notebooks.describe_figures(notebooks.strip_mathjax(content), page.title or uri)
        covers = coverage.notebook_covers(notebooks.source_path(page))
    elif page.meta:
        covers = list(page.meta.get("covers") or [])
    generated = GENERATED_NOTES.get(uri)
    if generated is None and not key.startswith("dlkit/") and build.refs is not None:
        content = references.link(content, build.refs)  # cited papers, PyTorch/Lightning names
    if key.startswith("dlkit/"):
        has_examples = ">>>" in (ROOT / key).read_text()
    else:
        has_examples = is_notebook or bool(FENCE.search(page.markdown or ""))
    has_examples = has_examples and generated is None

    headings: dict[str, str] = {}

    def walk(items: Any) -> None:
        for item in items:
            headings[item.id] = item.title
            walk(item.children)

    walk(page.toc)
    build.pages[uri] = {
        "title": page.title, "url": page.url, "ids": set(HTML_ID.findall(content)) | set(headings),
        "headings": headings, "covers": covers, "key": key, "has_examples": has_examples,
    }
    robustness = (build.robustness or {}).get("pages", {}).get(key)
    stamp = verification.stamp_html(
        build.entries().get(key), key=key, has_examples=has_examples, generated=generated,
        verification_url=relative_url(verification.VERIFICATION_PAGE.replace(".md", "/"), page),
        robustness=robustness, sweep=build.robustness,
    )
    colab = page_notebooks.colab_url(config.get("site_url"), page.url, Path(uri).stem)
    if is_notebook:
        stamp += notebooks.download_buttons(Path(uri).stem, colab)
    elif has_examples and not key.startswith("dlkit/"):
        page_notebooks.write_notebook(page, Path(page.file.abs_src_path).read_text(), config.get("repo_url"))
        stamp += page_notebooks.download_button(Path(uri).stem, colab)
    stamp += search.spellings_html(page.markdown or "")
    match = re.search(r"</h1>", content)
    if match:
        return content[: match.end()] + "\n" + stamp + content[match.end():]
    return stamp + "\n" + content


def on_env(env: Any, config: Any, files: Any) -> Any:
    build = site_build(config)
    for problem in coverage.validate_covers(build.pages, build.topics):
        log.warning(problem)
    return env


def on_post_page(output: str, page: Any, config: Any) -> str:
    build = site_build(config)
    uri = page.file.src_uri

    def link(url: str) -> str:
        return relative_url(url, page)

    if uri == verification.VERIFICATION_PAGE:
        rows = verification.verification_rows(build.pages, build.entries(), build.robustness)
        table = verification.verification_table(rows, build.entries(), build.robustness, link)
        output = output.replace(verification.PLACEHOLDER, table)
    elif uri == coverage.COVERAGE_PAGE:
        output = output.replace(coverage.PLACEHOLDER, coverage.coverage_table(build.pages, build.topics, link))
    elif notebooks.is_notebook(page):
        notebooks.write_downloads(page, config.get("repo_url"))
    return output


def on_post_build(config: Any) -> None:
    build = site_build(config)
    site = Path(config["site_dir"])
    (site / "verification.json").write_text(json.dumps({"entries": build.entries()}, indent=2, sort_keys=True))
    (site / "coverage.json").write_text(json.dumps(coverage.coverage_json(build.pages, build.topics), indent=2))
