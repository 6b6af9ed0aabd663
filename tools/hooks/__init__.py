"""The site build's hooks, one module per concern; ``tools/mkdocs_hooks.py`` wires them to MkDocs' events.

- ``skips``: ``<!-- skip: next "reason" -->`` shown to readers as a warning box with the reason;
- ``reference``: the API reference, one page per module of the ``dlkit`` package tree (mkdocstrings);
- ``coverage``: TOPICS.md rows with the page sections that claim them (``covers:``), the Coverage page;
- ``verification``: the stamp under every page's title and the Verification page, from the suite's results
  (``docs/generated/verification.json``) and the robustness sweep's report (``docs/robustness.json``);
- ``notebooks``: notebook pages (MathJax loader removed, downloads offered, their executed-cell stamp);
- ``references``: cited papers and PyTorch/Lightning names linked to their arXiv/DOI page and documentation.

The modules hold no mutable state: what one build collects lives in a ``tools.mkdocs_hooks.SiteBuild`` stored
on the build's config object and passed to these functions explicitly.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
