"""Each teaching page's notebook holds the page's examples as code cells and runs on its own."""

from pathlib import Path

import pytest

from tests.sybil_pages import DOCS
from tools.hooks import page_notebooks

PAGES = sorted(p for p in DOCS.rglob("*.md") if page_notebooks.FENCE.search(p.read_text()))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_example_is_a_code_cell(page: Path):
    text = page.read_text()
    notebook = page_notebooks.page_notebook(text, page.stem)
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert len(code_cells) == len(page_notebooks.FENCE.findall(text))
    assert all(">>>" not in cell.source.splitlines()[0] for cell in code_cells)


def test_a_page_notebook_runs_top_to_bottom_in_a_fresh_namespace():
    import matplotlib.pyplot as plt
    import torch

    notebook = page_notebooks.page_notebook((DOCS / "fundamentals" / "backpropagation.md").read_text(), "x")
    torch.manual_seed(0)
    namespace: dict = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, "notebook-cell", "exec"), namespace)  # noqa: S102
    plt.close("all")


def test_open_in_colab_links_the_notebook_the_site_serves():
    """The notebooks are generated into the site, not the repository: Colab opens the served .ipynb by URL."""
    import yaml

    class _Loader(yaml.SafeLoader):  # mkdocs.yml's !relative tag: not needed here
        pass

    _Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((DOCS.parent / "mkdocs.yml").read_text(), Loader=_Loader)
    url = page_notebooks.colab_url(config["site_url"], "architectures/lstm-gru/", "lstm-gru")
    assert url == ("https://colab.research.google.com/#fileId="
                   "https%3A//dlkit.github.io/dlkit/architectures/lstm-gru/lstm-gru.ipynb")
    assert page_notebooks.colab_url(None, "x/", "x") is None
    button = page_notebooks.download_button("lstm-gru", url)
    assert 'href="lstm-gru.ipynb" download' in button and f'href="{url}">Open in Colab</a>' in button
    cell = page_notebooks.install_cell(config["repo_url"])
    assert cell.cell_type == "markdown"
    assert '%pip install "dlkit @ git+https://github.com/dlkit/dlkit"' in cell.source
