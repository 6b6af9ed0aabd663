"""Notebook pages (Jupytext percent-format ``docs/projects/*.py``), rendered from the copy the test suite executed.

The suite runs each notebook in a kernel (``tests/notebooks.py``) and writes the executed notebook, with the
SHA-256 of its source, to ``docs/generated/projects/<name>.ipynb``. The build renders that copy with
mkdocs-jupyter (``execute: false``): what the page shows is what the suite ran, and the build does not run the
notebooks a second time. A copy that is missing, or that ran an older source, is refused with a warning (a strict
build fails; ``make docs`` runs the examples first, so it has fresh copies) and the page shows the source without
outputs. nbconvert's MathJax loader is removed (KaTeX from ``docs/assets/katex`` renders all math), and the
executed notebook is offered for download as ``.ipynb``, beside its Jupytext ``.py`` source, and opened in Colab
from the site's copy (see ``page_notebooks``).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

from tools.hooks import ROOT
from tools.hooks.page_notebooks import colab_button, install_cell

NOTEBOOK_SUFFIX = ".py"
EXECUTED = ROOT / "docs" / "generated" / "projects"
MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)


def is_notebook(page: Any) -> bool:
    return page.file.src_uri.endswith(NOTEBOOK_SUFFIX) and page.file.abs_src_path is not None


def source_path(page: Any) -> Path:
    """The notebook's Jupytext source (``page.file.abs_src_path`` points at the executed copy once it is used)."""
    return Path(getattr(page.file, "dlkit_source", None) or page.file.abs_src_path)


def executed_copy(source: Path, executed: Path = EXECUTED) -> tuple[Path | None, str | None]:
    """The suite's executed copy of a notebook, or ``None`` and why it cannot be used."""
    copy = executed / f"{source.stem}.ipynb"
    hint = f"run `pytest {source.relative_to(ROOT).as_posix()}` (or `make docs`) first"
    if not copy.exists():
        shown = copy.relative_to(ROOT) if copy.is_relative_to(ROOT) else copy
        return None, f"{source.name} has no executed copy from the test suite ({shown}): {hint}"
    ran = json.loads(copy.read_text()).get("metadata", {}).get("dlkit", {}).get("source_sha256")
    if ran != hashlib.sha256(source.read_text().encode()).hexdigest():
        return None, f"the executed copy of {source.name} ran an older version of it: {hint}"
    return copy, None


def use_executed_copy(page: Any) -> str | None:
    """Point the page at the executed copy (mkdocs-jupyter renders ``abs_src_path`` lazily); the problem if none."""
    source = source_path(page)
    copy, problem = executed_copy(source)
    if copy is not None:
        page.file.dlkit_source = str(source)
        page.file.abs_src_path = str(copy)
    return problem


def strip_mathjax(content: str) -> str:
    return MATHJAX.sub("", content)


def download_buttons(name: str, colab: str | None = None) -> str:
    return (
        '\n<p class="dlkit-downloads">'
        f'<a class="md-button" href="{name}.ipynb" download>Download the notebook (.ipynb)</a> '
        f'<a class="md-button" href="{name}.py" download>Jupytext source (.py)</a>{colab_button(colab)}</p>'
    )


def write_downloads(page: Any, repo_url: str | None = None) -> None:
    """Put ``<name>.ipynb`` (the executed copy, outputs included, with a first cell on installing dlkit) and the
    ``.py`` source beside the built page."""
    import jupytext

    dest = Path(page.file.abs_dest_path).parent
    dest.mkdir(parents=True, exist_ok=True)
    source = source_path(page)
    notebook = jupytext.read(page.file.abs_src_path)  # the executed copy, or the bare source if it was refused
    notebook.metadata.pop("dlkit", None)
    notebook.cells.insert(0, install_cell(repo_url))
    jupytext.write(notebook, dest / f"{source.stem}.ipynb", fmt="ipynb")
    (dest / source.name).write_text(source.read_text())


_PLACEHOLDER_ALT = re.compile(r'alt="No description has been provided for this image"')
_HEADING = re.compile(r"<h[1-4][^>]*>(.*?)</h[1-4]>", re.S)


def describe_figures(content: str, title: str) -> str:
    """Replace nbconvert's placeholder alt text of each output figure with the section it belongs to."""
    out, position, section = [], 0, title
    for match in _PLACEHOLDER_ALT.finditer(content):
        headings = _HEADING.findall(content, position, match.start())
        if headings:
            section = html.unescape(re.sub(r"<[^>]+>|¶", "", headings[-1])).strip() or section
        out.append(content[position:match.start()])
        out.append(f'alt="{html.escape(f"Figure drawn by the code cell above, in {section!r} of {title}")}"')
        position = match.end()
    out.append(content[position:])
    return "".join(out)
