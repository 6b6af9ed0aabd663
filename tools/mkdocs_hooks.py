"""MkDocs hooks: make what the test suite does visible on the page.

- ``<!-- skip: next "reason" -->`` (Sybil's skip directive) is shown to readers as a warning box with the
  reason, so an example that CI does not run says so on the page.
"""

from __future__ import annotations

import re

SKIP = re.compile(r'^(?P<indent>[ \t]*)<!--\s*skip:\s*next\s+(?P<quote>["\'])(?P<reason>.+?)(?P=quote)\s*-->[ \t]*$', re.M)


def on_page_markdown(markdown: str, page, config, files) -> str:
    def visible(match: re.Match[str]) -> str:
        indent = match.group("indent")
        reason = match.group("reason")
        return (
            f"{match.group(0)}\n\n{indent}!!! warning \"Not run by the test suite\"\n"
            f"{indent}    {reason}\n"
        )

    return SKIP.sub(visible, markdown)
