"""What each ``python`` example printed, shown under it on the page; and the checks, folded into a box.

**Outputs.** While the suite runs a page (``tests/sybil_pages.py``), each ```` ```python ```` fence's standard
output is recorded with a fingerprint of the code that ran (the fence with its ``--8<--`` includes expanded) in
``docs/generated/<page>/outputs.json``. The build shows each fence's output under it. An output whose fingerprint
no longer matches the page's code is stale: the build warns (``mkdocs build --strict`` fails) instead of showing
output the current code did not print. A page whose run failed shows what ran before the failure; its banner names
what failed.

**Checks.** A ```` ```pycon ```` fence whose every expected output is ``True``/``False`` (tuples of them too) is a
check, not something a reader needs to read first: the build folds it into a collapsed "Checked by the test suite"
box that lists the values the last run measured and how many robustness runs the claims held in.
"""

from __future__ import annotations

import doctest
import hashlib
import json
import re
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.hooks import ROOT

GENERATED = ROOT / "docs" / "generated"
OUTPUTS_FILE = "outputs.json"
SESSION = uuid.uuid4().hex  # one test session: a page's outputs all come from one run of it
MAX_LINES = 40  # longer outputs are cut, with a note of how many lines were left out
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,})[ \t]*(?P<lang>python|pycon)[ \t]*\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
    re.M | re.S,
)
SKIP = re.compile(r"<!--\s*skip:\s*next\b")
# `<!-- output: markdown -->` before a fence: what it prints is a Markdown document (a model card), shown rendered.
MARKDOWN_OUTPUT = re.compile(r"<!--\s*output:\s*markdown\s*-->")
CHECK_OUTPUT = re.compile(r"^\(?\s*(True|False)(\s*,\s*(True|False))*\s*,?\s*\)?$")


def _expand(code: str) -> str:
    import markdown

    md = markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={"pymdownx.snippets": {"base_path": [str(ROOT)], "check_paths": True}},
    )
    return "\n".join(md.preprocessors["snippet"].run(code.splitlines()))


def fingerprint(source: str) -> str:
    """A fence's code as it runs (includes expanded, indentation and blank edges removed), hashed."""
    code = textwrap.dedent(_expand(textwrap.dedent(source))).strip()
    return hashlib.sha256(code.encode()).hexdigest()[:16]


def outputs_path(page: Path, generated: Path = GENERATED) -> Path:
    """``docs/x/y.md`` -> ``docs/generated/x/y/outputs.json``."""
    return generated / page.resolve().relative_to(ROOT / "docs").with_suffix("") / OUTPUTS_FILE


def record(page: Path, line: int, source: str, stdout: str, generated: Path = GENERATED) -> None:
    """Store what the fence at ``line`` printed. The file keeps only this test session's run of the page: entries
    of an earlier session (an older version of the page) and, within this session, entries at or after ``line``
    (a rerun) are dropped."""
    path = outputs_path(page, generated)
    try:
        stored = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        stored = {}
    entries = stored.get("entries", []) if isinstance(stored, dict) and stored.get("session") == SESSION else []
    entries = [e for e in entries if e["line"] < line]
    entries.append({"line": line, "fingerprint": fingerprint(source), "stdout": stdout})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"session": SESSION, "entries": entries}, indent=1) + "\n")


def load(page_src: str, generated: Path = GENERATED) -> list[dict[str, Any]] | None:
    """The recorded outputs of ``docs/<page_src>``, in fence order; ``None`` when the page has not been run."""
    path = generated / Path(page_src).with_suffix("") / OUTPUTS_FILE
    try:
        stored = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    entries = stored.get("entries", []) if isinstance(stored, dict) else stored
    return sorted(entries, key=lambda e: e["line"])


def _output_block(indent: str, stdout: str) -> str:
    lines = stdout.rstrip("\n").splitlines()
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + [f"... ({len(lines) - MAX_LINES} more lines)"]
    body = "\n".join(f"{indent}{line}" if line else "" for line in lines)
    return f'\n\n{indent}```text title="Output"\n{body}\n{indent}```'


def _rendered_block(indent: str, stdout: str) -> str:
    """Printed Markdown, rendered in an open box; its headings become bold lines (they are not the page's)."""
    inner = indent + "    "
    text = re.sub(r"^#{1,6}\s+(.+)$", r"**\1**", stdout.rstrip("\n"), flags=re.M)
    body = "\n".join(f"{inner}{line}" if line.strip() else "" for line in text.splitlines())
    return f'\n\n{indent}???+ abstract "Output, rendered as Markdown"\n\n{body}\n'


def _check_box(indent: str, fence: str, body: str, measured: list[str], held: str) -> str:
    inner = indent + "    "
    code = "\n".join(f"{inner}{line[len(indent):]}" if line.strip() else "" for line in body.rstrip("\n").splitlines())
    title = "Checked by the test suite" + (f": {held}" if held else "")
    parts = [f'{indent}??? success "{title}"', "", f"{inner}{fence}pycon", code, f"{inner}{fence}"]
    if measured:
        parts += ["", f"{inner}Measured in the last run: " + "; ".join(measured) + "."]
    return "\n".join(parts)


def is_check(body: str) -> bool:
    """A pycon block whose expected outputs are all booleans: assertions, not results to read."""
    outputs = [line.strip() for line in body.splitlines()
               if line.strip() and not line.lstrip().startswith((">>>", "..."))]
    return bool(outputs) and all(CHECK_OUTPUT.match(line) for line in outputs)


def show(markdown: str, outputs: list[dict[str, Any]] | None, *, page_failed: bool,
         claims: list[dict[str, Any]], robustness: dict[str, Any] | None,
         problem: Callable[[str], None]) -> str:
    """Put each python fence's recorded output under it and fold pure-check pycon fences into a box.

    ``claims``: the last run's claims of this page (file, line, source, values); ``robustness``: the page's sweep
    entry. ``problem`` receives a message for each stale or missing output (a warning: strict builds fail).
    """
    recorded = list(outputs or [])
    index = 0
    pieces: list[str] = []
    position = 0
    for match in FENCE.finditer(markdown):
        indent, fence, lang, body = match.group("indent", "fence", "lang", "body")
        before = markdown[position:match.start()]
        pieces.append(before)
        position = match.end()
        if SKIP.search(before):
            pieces.append(match.group(0))  # not run by the suite (the skip box says why): nothing recorded
        elif lang == "python" and not body.lstrip().startswith(">>>"):
            pieces.append(match.group(0))
            if outputs is None:
                continue  # not run at all: the stamp says "not yet verified"
            if index >= len(recorded):
                if not page_failed:
                    problem(f"no recorded output for python example {index + 1}: run the page's examples")
                index += 1
                continue
            entry = recorded[index]
            index += 1
            if entry["fingerprint"] != fingerprint(body):
                problem(f"python example {index}'s recorded output is stale (the code changed since it ran): "
                        "run the page's examples again")
                continue
            if entry["stdout"].strip():
                render = MARKDOWN_OUTPUT.search(before) and not SKIP.search(before)
                pieces.append((_rendered_block if render else _output_block)(indent, entry["stdout"]))
        elif lang == "pycon" and not indent and is_check(body):
            sources = {" ".join(example.source.split())
                       for example in doctest.DocTestParser().get_examples(textwrap.dedent(body))}
            measured = _measured(claims, sources)
            pieces.append(_check_box(indent, fence, body, measured, _held(robustness, sources)))
        else:
            pieces.append(match.group(0))
    pieces.append(markdown[position:])
    return "".join(pieces)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _measured(claims: list[dict[str, Any]], sources: set[str]) -> list[str]:
    """``name = value`` for the operands of this box's claims, as the last run recorded them."""
    seen: dict[str, str] = {}
    for claim in claims:
        if " ".join(str(claim.get("source", "")).split()) not in sources:
            continue
        for name, value in (claim.get("values") or {}).items():
            if name not in seen and not re.fullmatch(r"[\d.e+-]+", name) and len(name) <= 60:
                seen[name] = _fmt(value)
    return [f"`{name}` = {value}" for name, value in list(seen.items())[:8]]


def _held(robustness: dict[str, Any] | None, sources: set[str]) -> str:
    """``held in 10 of 10 robustness runs`` for the box's claims (the fewest of them)."""
    if not robustness:
        return ""
    rows = [r for r in robustness.get("claim_table", []) if " ".join(r["source"].split()) in sources]
    if not rows:
        return ""
    held = min(r["held"] for r in rows)
    runs = max(r["runs"] for r in rows)
    return f"held in {held} of {runs} robustness runs"
