"""Skipped examples: Sybil's ``<!-- skip: next "reason" -->`` is shown to readers as a warning with the reason."""

from __future__ import annotations

import re

SKIP = re.compile(r'^(?P<indent>[ \t]*)<!--\s*skip:\s*next\s+(?P<quote>["\'])(?P<reason>.+?)(?P=quote)\s*-->[ \t]*$', re.M)


def show_skips(markdown: str) -> str:
    """Follow each skip directive with a "Not run by the test suite" warning box giving its reason."""

    def visible(match: re.Match[str]) -> str:
        indent = match.group("indent")
        reason = match.group("reason")
        return (
            f"{match.group(0)}\n\n{indent}!!! warning \"Not run by the test suite\"\n"
            f"{indent}    {reason}\n"
        )

    return SKIP.sub(visible, markdown)
