"""Every teaching page as a Jupyter notebook: its prose as Markdown cells, its examples as code cells.

The code cells are exactly what the test suite ran on the page: each ```` ```python ```` fence with its
``--8<--`` includes expanded, and each ```` ```pycon ```` fence as its statements (the ``>>>``/``...`` prompts
and the expected outputs removed, since Jupyter shows outputs itself). Exercise solutions stay code cells under
their exercise. The notebook is written beside the built page as ``<page>.ipynb`` and offered for download under
the page's title; it is not executed again by the build (the suite ran the same code).

**Open in Colab.** The notebooks are generated into the built site, not kept in the repository, so Colab's
``/github/<owner>/<repo>/blob/...`` form has no file to open. The link uses Colab's form for a notebook at a web
address, ``https://colab.research.google.com/#fileId=<URL>``, with the URL the site serves the notebook at
(``site_url`` + the page's URL + ``<page>.ipynb``). The notebook's first cell says how to install dlkit there
(from ``repo_url``).
"""

from __future__ import annotations

import doctest
import re
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tools.hooks.outputs import _expand

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,})[ \t]*(?P<lang>python|pycon)[ \t]*\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
    re.M | re.S,
)
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
SKIP = re.compile(r"^[ \t]*<!--\s*skip:\s*next\s+([\"'])(.+?)\1\s*-->[ \t]*$", re.M)


def code_of(lang: str, body: str) -> str:
    body = textwrap.dedent(body)
    if lang == "pycon" or body.lstrip().startswith(">>>"):
        return "".join(example.source for example in doctest.DocTestParser().get_examples(body)).rstrip()
    return textwrap.dedent(_expand(body)).strip()


def page_notebook(markdown: str, title: str) -> Any:
    """The page as an nbformat v4 notebook (Markdown and code cells in page order)."""
    import nbformat

    text = FRONT_MATTER.sub("", markdown)
    cells = []
    position = 0

    def prose(chunk: str) -> None:
        chunk = SKIP.sub(lambda m: f"*Not run by the test suite: {m.group(2)}*", chunk).strip()
        if chunk:
            cells.append(nbformat.v4.new_markdown_cell(chunk))

    for match in FENCE.finditer(text):
        prose(text[position:match.start()])
        position = match.end()
        code = code_of(match.group("lang"), match.group("body"))
        if code:
            cells.append(nbformat.v4.new_code_cell(code))
    prose(text[position:])
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["title"] = title
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def colab_url(site_url: str | None, page_url: str, name: str) -> str | None:
    """Colab's link for the notebook ``<name>.ipynb`` the site serves beside the page at ``page_url``."""
    if not site_url:
        return None
    notebook = site_url.rstrip("/") + "/" + page_url.lstrip("/") + f"{name}.ipynb"
    return "https://colab.research.google.com/#fileId=" + quote(notebook, safe="/")


def colab_button(url: str | None) -> str:
    return "" if url is None else f' <a class="md-button" href="{url}">Open in Colab</a>'


def download_button(name: str, colab: str | None = None) -> str:
    return (f'\n<p class="dlkit-downloads"><a class="md-button" href="{name}.ipynb" download>'
            f"Download this page as a notebook (.ipynb)</a>{colab_button(colab)}</p>")


def install_cell(repo_url: str | None) -> Any:
    """A first Markdown cell: how to get dlkit where the notebook runs outside a clone (Colab, say)."""
    import nbformat

    source = "*Running this notebook outside a clone of dlkit (in Colab, say)?* Install dlkit first, in a cell:"
    if repo_url:
        source += f'\n\n```\n%pip install "dlkit @ git+{repo_url.rstrip("/")}"\n```'
    return nbformat.v4.new_markdown_cell(source)


def write_notebook(page: Any, markdown: str, repo_url: str | None = None) -> None:
    """Write ``<page>.ipynb`` beside the built page."""
    import nbformat

    dest = Path(page.file.abs_dest_path).parent
    dest.mkdir(parents=True, exist_ok=True)
    notebook = page_notebook(markdown, page.title or "")
    notebook.cells.insert(0, install_cell(repo_url))
    nbformat.write(notebook, dest / f"{Path(page.file.src_uri).stem}.ipynb")
