"""Notebook pages (Jupytext percent-format ``docs/projects/*.py``, executed by mkdocs-jupyter on every build).

nbconvert's MathJax loader is removed (KaTeX from ``docs/assets/katex`` renders all math), the notebook is offered
for download as ``.ipynb`` and as its Jupytext ``.py`` source and opened in Colab from the site's copy (see
``page_notebooks``), and the build's own execution is the notebook's verification entry (a cell that raises fails
the build, so an executed notebook passed every cell).
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tools.hooks.page_notebooks import colab_button, install_cell
from tools.hooks.verification import environment

NOTEBOOK_SUFFIX = ".py"
MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)


def is_notebook(page: Any) -> bool:
    return page.file.src_uri.endswith(NOTEBOOK_SUFFIX) and page.file.abs_src_path is not None


def strip_mathjax(content: str) -> str:
    return MATHJAX.sub("", content)


def executed_by_build(config: Any) -> bool:
    plugins = config["plugins"]
    return bool(plugins["mkdocs-jupyter"].config["execute"]) if "mkdocs-jupyter" in plugins else False


def code_cells(path: Path) -> int:
    import jupytext

    return sum(cell.cell_type == "code" for cell in jupytext.read(path).cells)


def notebook_entry(path: Path, seconds: float) -> dict[str, Any]:
    """The verification entry of a notebook this build executed: every code cell ran without raising."""
    from dlkit.training import describe_device

    cells = code_cells(path)
    return {
        "kind": "notebook cells", "examples": cells, "passed": cells, "failed": 0, "skipped": 0,
        "skip_reasons": [], "seconds": round(seconds, 2), "device": describe_device(),
        "run_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "runner": "the site build (mkdocs-jupyter, allow_errors: false)", **environment(),
    }


def download_buttons(name: str, colab: str | None = None) -> str:
    return (
        '\n<p class="dlkit-downloads">'
        f'<a class="md-button" href="{name}.ipynb" download>Download the notebook (.ipynb)</a> '
        f'<a class="md-button" href="{name}.py" download>Jupytext source (.py)</a>{colab_button(colab)}</p>'
    )


def write_downloads(page: Any, repo_url: str | None = None) -> None:
    """Put ``<name>.ipynb`` (with a first cell on installing dlkit) and the ``.py`` source beside the notebook's
    built page."""
    import jupytext

    dest = Path(page.file.abs_dest_path).parent
    dest.mkdir(parents=True, exist_ok=True)
    source = Path(page.file.abs_src_path)
    notebook = jupytext.read(source)
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
