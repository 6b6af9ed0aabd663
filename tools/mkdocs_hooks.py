"""MkDocs hooks: make what the test suite did visible on the site, and generate the pages that must not lie.

- ``<!-- skip: next "reason" -->`` (Sybil's skip directive) is shown to readers as a warning box with the
  reason, so an example that CI does not run says so on the page.
- **API reference**: one page per module of the ``dlkit`` package tree (mkdocstrings), generated from the
  files on disk, so a new module appears without anyone listing it. The nav entry ``API reference`` is filled in.
- **Verification stamp** on every page, from ``docs/generated/verification.json`` (written by the test suite's
  plugin, ``tests/verification.py``): examples run, passed, failed, skipped with reasons, run time, device and
  versions. Notebooks are executed by this build (mkdocs-jupyter, errors fail it): their stamp is this run.
  A "Verification" page lists every page's stamp, slowest first. No results yet: "not yet verified".
- **Coverage page**: every row of TOPICS.md with the page section that claims it (``covers:`` front matter, or
  the ``covers`` key of a notebook's Jupytext header), and the rows nothing covers yet. A ``covers`` entry naming
  an unknown topic or a missing section anchor is a warning, which fails the strict build.
- Notebook pages: nbconvert's MathJax loader is removed (KaTeX from ``docs/assets/katex`` renders all math),
  and the notebook is offered for download as ``.ipynb`` and as its Jupytext ``.py`` source.
"""

from __future__ import annotations

import ast
import html
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dlkit"
RESULTS = ROOT / "docs" / "generated" / "verification.json"
TOPICS_SHARED = ROOT.parent / "shared" / "TOPICS.md"
TOPICS_COPY = ROOT / "tools" / "TOPICS.md"
REFERENCE_NAV_TITLE = "API reference"
VERIFICATION_PAGE = "verification.md"
COVERAGE_PAGE = "coverage.md"
PLACEHOLDER = "<!-- dlkit:{name} -->"
NOTEBOOK_SUFFIX = ".py"

log = logging.getLogger("mkdocs.hooks.dlkit")

SKIP = re.compile(r'^(?P<indent>[ \t]*)<!--\s*skip:\s*next\s+(?P<quote>["\'])(?P<reason>.+?)(?P=quote)\s*-->[ \t]*$', re.M)
FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*(?:python|pycon)[ \t]*$", re.M)
MATHJAX = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S
)
HTML_ID = re.compile(r"""\bid=["']([^"']+)["']""")


# ----------------------------------------------------------------------------------------------------------------
# Skipped examples


def show_skips(markdown: str) -> str:
    def visible(match: re.Match[str]) -> str:
        indent = match.group("indent")
        reason = match.group("reason")
        return (
            f"{match.group(0)}\n\n{indent}!!! warning \"Not run by the test suite\"\n"
            f"{indent}    {reason}\n"
        )

    return SKIP.sub(visible, markdown)


# ----------------------------------------------------------------------------------------------------------------
# API reference, generated from the package tree


@dataclass
class Module:
    name: str  # dlkit.models.cnn
    source: str  # dlkit/models/cnn.py (relative to the repository root)
    uri: str  # reference/dlkit/models/cnn.md
    summary: str


def reference_modules(package: Path = PACKAGE) -> list[Module]:
    """Every module of the package tree, packages first within each folder; private modules are left out."""
    modules = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent)
        parts = list(rel.with_suffix("").parts)
        if "__pycache__" in rel.parts or any(p.startswith("_") and p != "__init__" for p in parts):
            continue
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        uri = "reference/" + "/".join(parts) + ("/index.md" if is_package else ".md")
        try:
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        except SyntaxError:
            doc = ""
        summary = doc.strip().split("\n\n")[0].replace("\n", " ")
        modules.append(Module(".".join(parts), str(rel), uri, summary))
    modules.sort(key=lambda m: m.name.split("."))  # a package before its modules
    return modules


def reference_nav(modules: list[Module]) -> list[Any]:
    """Nested nav: the overview, then one section per package whose first page is the package itself."""
    tree: dict[str, Any] = {}
    for module in modules:
        node = tree
        for part in module.name.split(".")[:-1] if not module.uri.endswith("index.md") else module.name.split("."):
            node = node.setdefault(part, {})
        if module.uri.endswith("index.md"):
            node["__index__"] = module
        else:
            node[module.name.split(".")[-1]] = module

    def build(node: dict[str, Any], prefix: str) -> list[Any]:
        entries: list[Any] = []
        if "__index__" in node:
            entries.append(node["__index__"].uri)
        for key, value in node.items():
            if key == "__index__":
                continue
            if isinstance(value, Module):
                entries.append({value.name: value.uri})
            else:
                entries.append({f"{prefix}{key}": build(value, f"{prefix}{key}.")})
        return entries

    return ["reference/index.md", *build(tree, "")]


def reference_page(module: Module) -> str:
    # mkdocstrings renders the module itself as the page's <h1 id="dlkit.x.y">, so autorefs can link the module.
    return f"---\ntitle: {module.name}\n---\n\n::: {module.name}\n"


def reference_index(modules: list[Module]) -> str:
    rows = "\n".join(
        f"| [`{m.name}`]({Path(m.uri).relative_to('reference').as_posix()}) | {m.summary or ''} |" for m in modules
    )
    return (
        "# API reference\n\n"
        "Generated by mkdocstrings from the docstrings of every module in the `dlkit` package. Each object's "
        "`Example` is executed by the test suite (its stamp is on the module's page).\n\n"
        f"| module | summary |\n|---|---|\n{rows}\n"
    )


def replace_nav_entry(nav: list[Any], title: str, replacement: list[Any]) -> bool:
    for index, entry in enumerate(nav):
        if isinstance(entry, dict):
            for key, value in entry.items():
                if key == title:
                    nav[index] = {title: replacement}
                    return True
                if isinstance(value, list) and replace_nav_entry(value, title, replacement):
                    return True
    return False


# ----------------------------------------------------------------------------------------------------------------
# Topics and coverage


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


def parse_topics(text: str) -> list[tuple[str, str, str]]:
    """``(section title, topic, what it must demonstrate)`` for every table row and list item of sections 1-8."""
    topics: list[tuple[str, str, str]] = []
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


# ----------------------------------------------------------------------------------------------------------------
# Verification results


def environment() -> dict[str, str]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {"torch": version("torch"), "lightning": version("pytorch-lightning")}


def load_results() -> dict[str, Any]:
    try:
        return json.loads(RESULTS.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {"entries": {}}


def fmt_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 100 else f"{seconds / 60:.1f} min"


def stamp_summary(entry: dict[str, Any]) -> str:
    unit = "code cell" if entry.get("kind") == "notebook cells" else "example"
    parts = [f"{entry['examples']} {unit}{'' if entry['examples'] == 1 else 's'}", f"{entry['passed']} passed"]
    if entry.get("failed"):
        parts.append(f"{entry['failed']} failed")
    if entry.get("skipped"):
        parts.append(f"{entry['skipped']} skipped")
    return ", ".join(parts)


def stamp_html(entry: dict[str, Any] | None, *, key: str, has_examples: bool, verification_url: str,
               generated: str | None = None) -> str:
    """The box under a page's title saying what the suite ran on it."""
    link = f'<a href="{verification_url}">all pages</a>'
    if generated is not None:
        return (
            f'<details class="info dlkit-stamp" data-status="generated"><summary>Generated by the build</summary>'
            f"<p>{generated} See {link}.</p></details>"
        )
    if entry is None:
        if not has_examples:
            return (
                f'<details class="info dlkit-stamp" data-status="no-examples"><summary>No code examples on this '
                f"page</summary><p>Nothing on this page is executed; see {link}.</p></details>"
            )
        return (
            f'<details class="note dlkit-stamp" data-status="not-verified"><summary>Not yet verified</summary>'
            f"<p>No test results for <code>{html.escape(key)}</code> were found when the site was built. "
            f"Run <code>make test</code> (or <code>make docs</code>, which runs the page examples first). "
            f"See {link}.</p></details>"
        )
    status = "failed" if entry.get("failed") else "passed"
    kind = "failure" if status == "failed" else "success"
    title = "Verification failed" if status == "failed" else "Verified"
    skipped = "".join(
        f"<li>skipped: {html.escape(reason)}</li>" for reason in entry.get("skip_reasons", [])
    )
    return (
        f'<details class="{kind} dlkit-stamp" data-status="{status}"><summary>{title}: '
        f"{stamp_summary(entry)} in {fmt_seconds(entry['seconds'])} on {html.escape(entry['device'])}</summary>"
        f"<ul><li>source: <code>{html.escape(key)}</code> ({html.escape(entry.get('kind', 'examples'))})</li>"
        f"<li>run: {html.escape(entry['run_at'])} by {html.escape(entry.get('runner', 'the test suite'))}</li>"
        f"<li>torch {html.escape(entry['torch'])}, PyTorch Lightning {html.escape(entry['lightning'])}</li>"
        f"{skipped}</ul><p>See {link}.</p></details>"
    )


# ----------------------------------------------------------------------------------------------------------------
# Build state


@dataclass
class BuildState:
    modules: list[Module] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    notebook_results: dict[str, dict[str, Any]] = field(default_factory=dict)
    notebook_started: dict[str, float] = field(default_factory=dict)
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # src_uri -> title, url, ids, headings, covers
    topics: list[tuple[str, str, str]] = field(default_factory=list)


state = BuildState()


def is_notebook(page: Any) -> bool:
    return page.file.src_uri.endswith(NOTEBOOK_SUFFIX) and page.file.abs_src_path is not None


def source_key(page: Any) -> str:
    """The file the suite's results are keyed by: ``docs/x.md``, a notebook, or a module's source for its reference."""
    uri = page.file.src_uri
    for module in state.modules:
        if module.uri == uri:
            return module.source
    return f"docs/{uri}"


def relative_url(target: str, page: Any) -> str:
    from mkdocs.utils import get_relative_url

    return get_relative_url(target, page.url)


def accept_singular_example_sections() -> None:
    """dlkit's docstrings title their doctests ``Example:`` (Google style allows it); griffe only knows ``Examples:``.

    Without this, griffe renders the singular as an admonition of plain Markdown, where ``>>>`` becomes nested
    quotes and an output like ``[1, 2]`` a broken cross-reference. Registering the title makes it an examples
    section, rendered as highlighted ``pycon`` code.
    """
    try:
        from griffe._internal.docstrings.google import _section_kind
        from griffe import DocstringSectionKind
    except ImportError:  # a griffe release that moved it: the strict build then reports the examples
        return
    _section_kind.setdefault("example", DocstringSectionKind.examples)


def on_config(config: Any) -> Any:
    state.__init__()
    accept_singular_example_sections()
    state.modules = reference_modules()
    state.topics = parse_topics(topics_text())
    if config["nav"] is not None and not replace_nav_entry(config["nav"], REFERENCE_NAV_TITLE, reference_nav(state.modules)):
        log.warning(f"mkdocs.yml's nav has no '{REFERENCE_NAV_TITLE}' entry for the generated API reference")
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    pages = {"reference/index.md": reference_index(state.modules)}
    pages.update({module.uri: reference_page(module) for module in state.modules})
    pages[VERIFICATION_PAGE] = (
        "# Verification\n\nEvery page of the site with the result of its examples in the last test run, slowest "
        "first. Page examples and docstring examples are run by the test suite (`make test`; Sybil); notebooks are "
        "executed by the site build itself, and a cell that raises fails the build.\n\n"
        + PLACEHOLDER.format(name="verification") + "\n"
    )
    pages[COVERAGE_PAGE] = (
        "# Coverage\n\nEvery concept of the knowledge base's map (`TOPICS.md`) with the section of the site that "
        "demonstrates it, in the site's own words (page and section titles), generated from the pages' `covers` "
        "front matter when the site is built, so it cannot claim a page that does not exist. Rows without a page "
        "are listed as not covered yet.\n\n"
        + PLACEHOLDER.format(name="coverage") + "\n"
    )
    for uri, content in pages.items():
        files.append(File.generated(config, uri, content=content))
    return files


def on_pre_build(config: Any) -> None:
    state.results = load_results()


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page is not None and is_notebook(page):
        state.notebook_started[page.file.src_uri] = time.perf_counter()
        return markdown
    return show_skips(markdown)


def notebook_device() -> str:
    import torch

    if torch.cuda.is_available() and os.environ.get("DLKIT_ACCELERATOR", "auto") != "cpu":
        return f"cuda ({torch.cuda.get_device_name()})"
    return "cpu"


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    uri = page.file.src_uri
    key = source_key(page)
    covers: list[dict[str, str]] = []
    if is_notebook(page):
        content = MATHJAX.sub("", content)
        seconds = time.perf_counter() - state.notebook_started.pop(uri, time.perf_counter())
        import jupytext

        notebook = jupytext.read(page.file.abs_src_path)
        cells = sum(cell.cell_type == "code" for cell in notebook.cells)
        executed = config["plugins"]["mkdocs-jupyter"].config["execute"] if "mkdocs-jupyter" in config["plugins"] else False
        if executed:
            state.notebook_results[key] = {
                "kind": "notebook cells", "examples": cells, "passed": cells, "failed": 0, "skipped": 0,
                "skip_reasons": [], "seconds": round(seconds, 2), "device": notebook_device(),
                "run_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "runner": "the site build (mkdocs-jupyter, allow_errors: false)", **environment(),
            }
        covers = notebook_covers(Path(page.file.abs_src_path))
    elif page.meta:
        covers = list(page.meta.get("covers") or [])
    generated = None
    if uri == VERIFICATION_PAGE:
        generated = "This page is generated from the suite's results and this build's notebook runs."
    elif uri == COVERAGE_PAGE:
        generated = "This page is generated from TOPICS.md and the pages' <code>covers</code> front matter."
    elif uri == "reference/index.md":
        generated = "This page lists the modules found in the <code>dlkit</code> package tree."
    entry = state.notebook_results.get(key) or state.results.get("entries", {}).get(key)
    if key.startswith("dlkit/"):
        has_examples = ">>>" in (ROOT / key).read_text()
    else:
        has_examples = is_notebook(page) or bool(FENCE.search(page.markdown or ""))
    has_examples = has_examples and generated is None

    headings = {}

    def walk(items: Any) -> None:
        for item in items:
            headings[item.id] = item.title
            walk(item.children)

    walk(page.toc)
    state.pages[uri] = {
        "title": page.title, "url": page.url, "ids": set(HTML_ID.findall(content)) | set(headings),
        "headings": headings, "covers": covers, "key": key, "has_examples": has_examples,
    }
    stamp = stamp_html(entry, key=key, has_examples=has_examples,
                       verification_url=relative_url(VERIFICATION_PAGE.replace(".md", "/"), page), generated=generated)
    if is_notebook(page):
        name = Path(uri).stem
        stamp += (
            '\n<p class="dlkit-downloads">'
            f'<a class="md-button" href="{name}.ipynb" download>Download the notebook (.ipynb)</a> '
            f'<a class="md-button" href="{name}.py" download>Jupytext source (.py)</a></p>'
        )
    match = re.search(r"</h1>", content)
    if match:
        return content[: match.end()] + "\n" + stamp + content[match.end():]
    return stamp + "\n" + content


def validate_covers() -> list[str]:
    """Problems with the pages' ``covers`` entries: unknown topics, sections that are not anchors of the page."""
    known = {topic for _, topic, _ in state.topics}
    problems = []
    for uri, info in state.pages.items():
        for entry in info["covers"]:
            topic, section = entry.get("topic", ""), entry.get("section", "")
            if topic not in known:
                problems.append(f"{uri}: covers topic {topic!r} is not a row of TOPICS.md (first cell, verbatim)")
            if not section.startswith("#") or section[1:] not in info["ids"]:
                problems.append(f"{uri}: covers section {section!r} is not an anchor of the page")
    return problems


def on_env(env: Any, config: Any, files: Any) -> Any:
    for problem in validate_covers():
        log.warning(problem)
    return env


def verification_rows() -> list[dict[str, Any]]:
    rows = []
    entries = state.results.get("entries", {})
    for uri, info in state.pages.items():
        entry = state.notebook_results.get(info["key"]) or entries.get(info["key"])
        rows.append({**info, "uri": uri, "entry": entry})
    rows.sort(key=lambda row: (-(row["entry"] or {}).get("seconds", -1), row["uri"]))
    return rows


def verification_table(page: Any) -> str:
    body = []
    totals = {"examples": 0, "passed": 0, "failed": 0, "skipped": 0, "seconds": 0.0}
    for row in verification_rows():
        entry = row["entry"]
        link = f'<a href="{relative_url(row["url"], page)}">{html.escape(row["title"] or row["uri"])}</a>'
        if entry is None:
            status = "not yet verified" if row["has_examples"] else "no examples"
            body.append(f'<tr data-status="{status}"><td>{link}</td><td colspan="7">{status}</td></tr>')
            continue
        for name in totals:
            totals[name] += entry.get(name, 0)
        reasons = "<br>".join(html.escape(r) for r in entry.get("skip_reasons", []))
        body.append(
            f'<tr data-status="{"failed" if entry.get("failed") else "passed"}"><td>{link}</td>'
            f"<td>{entry['examples']}</td><td>{entry['passed']}</td><td>{entry.get('failed', 0)}</td>"
            f"<td>{entry.get('skipped', 0)}{'<br><small>' + reasons + '</small>' if reasons else ''}</td>"
            f"<td>{fmt_seconds(entry['seconds'])}</td><td>{html.escape(entry['device'])}</td>"
            f"<td>torch {html.escape(entry['torch'])}, Lightning {html.escape(entry['lightning'])}<br>"
            f"{html.escape(entry['run_at'])}</td></tr>"
        )
    summary = (
        f"<p><strong>{totals['examples']}</strong> examples on the site: {totals['passed']} passed, "
        f"{totals['failed']} failed, {totals['skipped']} skipped, {fmt_seconds(totals['seconds'])} in all.</p>"
    )
    return (
        summary + '<div class="dlkit-verification"><table><thead><tr><th>page</th><th>examples</th><th>passed</th>'
        "<th>failed</th><th>skipped</th><th>time</th><th>device</th><th>versions, run</th></tr></thead><tbody>"
        + "".join(body) + "</tbody></table></div>"
    )


def coverage_table(page: Any) -> str:
    claims: dict[str, list[str]] = {}
    for uri, info in sorted(state.pages.items()):
        for entry in info["covers"]:
            section = entry.get("section", "")
            heading = info["headings"].get(section[1:], info["title"])
            url = relative_url(info["url"], page) + section
            words = html.escape(info["title"] or uri) + (
                f" › {html.escape(heading)}" if heading and heading != info["title"] else ""
            )
            claims.setdefault(entry.get("topic", ""), []).append(f'<a href="{url}">{words}</a>')
    covered = sum(topic in claims for _, topic, _ in state.topics)
    out = [
        f'<p class="dlkit-coverage-summary"><strong>{covered}</strong> of {len(state.topics)} topics covered; '
        f"{len(state.topics) - covered} not yet.</p>"
    ]
    current = None
    for section, topic, demonstrate in state.topics:
        if section != current:
            if current is not None:
                out.append("</tbody></table></div>")
            out.append(f"<h2>{html.escape(section)}</h2><div class=\"dlkit-coverage\"><table><thead><tr><th>topic</th>"
                       "<th>where the site shows it</th></tr></thead><tbody>")
            current = section
        where = "<br>".join(claims.get(topic, [])) or "<em>not covered yet</em>"
        status = "covered" if topic in claims else "missing"
        hint = f'<br><small>{html.escape(demonstrate)}</small>' if demonstrate else ""
        out.append(f'<tr data-status="{status}"><td>{html.escape(topic)}{hint}</td><td>{where}</td></tr>')
    out.append("</tbody></table></div>")
    return "".join(out)


def on_post_page(output: str, page: Any, config: Any) -> str:
    uri = page.file.src_uri
    if uri == VERIFICATION_PAGE:
        output = output.replace(PLACEHOLDER.format(name="verification"), verification_table(page))
    elif uri == COVERAGE_PAGE:
        output = output.replace(PLACEHOLDER.format(name="coverage"), coverage_table(page))
    elif is_notebook(page):
        import jupytext

        dest = Path(page.file.abs_dest_path).parent
        dest.mkdir(parents=True, exist_ok=True)
        source = Path(page.file.abs_src_path)
        jupytext.write(jupytext.read(source), dest / f"{source.stem}.ipynb", fmt="ipynb")
        (dest / source.name).write_text(source.read_text())
    return output


def on_post_build(config: Any) -> None:
    entries = dict(state.results.get("entries", {}))
    entries.update(state.notebook_results)
    site = Path(config["site_dir"])
    (site / "verification.json").write_text(json.dumps({"entries": entries}, indent=2, sort_keys=True))
    covered = {entry.get("topic") for info in state.pages.values() for entry in info["covers"]}
    coverage = [
        {"section": section, "topic": topic, "covered": topic in covered} for section, topic, _ in state.topics
    ]
    (site / "coverage.json").write_text(json.dumps(coverage, indent=2))
