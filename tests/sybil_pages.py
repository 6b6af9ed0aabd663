"""Sybil support for the site's pages: fenced ``python``/``pycon`` examples with pymdownx snippet includes.

MkDocs renders an include line ``--8<-- "snippets/x.py"`` inside a fence by pasting the file there
(pymdownx.snippets). Stock Sybil sees only the literal line. ``PageExampleParser`` expands includes per code
block with pymdownx's own preprocessor, configured like ``mkdocs.yml``, so the suite runs exactly what a reader
sees. Each whole-file include is compiled under the snippet's own path, so a failure inside a snippet is
reported at the snippet's file and line; the page's own lines keep their page line numbers.

Every claim is recorded with its values (tests/claims.py): ``assert`` statements are rewritten when compiled, and
``>>>`` examples run under ``ClaimRunner``; a failing claim's report names the values that broke it.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import random
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import markdown
from sybil import Document, Example, Region
from sybil.evaluators.doctest import DocTestEvaluator, DocTestRunner
from sybil.parsers.abstract import DocTestStringParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer
from sybil.parsers.rest import DocTestParser

from tests import claims
from tools.hooks import outputs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# Where page figures go; the robustness sweep sends its runs' figures elsewhere (the site shows the seed-0 ones).
GENERATED = Path(os.environ.get("DLKIT_GENERATED_DIR") or DOCS / "generated")
LANGUAGES = ("python", "pycon")
DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# torch's CPU results depend on the thread count: pin it so a run repeats on one machine. DLKIT_THREADS overrides it
# (the robustness sweep runs 1 and 4; tests/seed_shift.py shifts the seeds).
THREADS = int(os.environ.get("DLKIT_THREADS", "").strip() or 2)

# The same settings as mkdocs.yml's pymdownx.snippets (base_path is the repository root there too).
_SNIPPETS_CONFIG = {"base_path": [str(ROOT)], "check_paths": True}
_WHOLE_FILE_INCLUDE = re.compile(r"""^[ \t]*-{1,}8<-{1,}[ \t]+(["'])(?P<name>[^"':]+)\1[ \t]*$""")


def snippet_preprocessor() -> Any:
    md = markdown.Markdown(extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": _SNIPPETS_CONFIG})
    return md.preprocessors["snippet"]


def expand(lines: list[str]) -> list[str]:
    """Expand every include in ``lines`` exactly as the MkDocs build does."""
    return snippet_preprocessor().run(list(lines))


def split_segments(source: str, path: str, first_line: int) -> list[tuple[str, str, int]]:
    """Split a code block into ``(code, filename, line)`` pieces: page lines, and each whole-file include."""
    segments: list[tuple[str, str, int]] = []
    pending: list[str] = []
    pending_start = first_line
    pre = snippet_preprocessor()
    for offset, line in enumerate(source.splitlines()):
        match = _WHOLE_FILE_INCLUDE.match(line)
        if match is None:
            if not pending:
                pending_start = first_line + offset
            pending.append(line)
            continue
        if pending:
            segments.append(("\n".join(pending), path, pending_start))
            pending = []
        pre.get_bases()
        snippet_file = pre.get_snippet_path(match.group("name"))
        expanded = "\n".join(expand([line]))
        if snippet_file is None or expanded.strip() != Path(snippet_file).read_text().strip():
            segments.append((expanded, path, first_line + offset))  # not a plain whole file: page lines
        else:
            segments.append((expanded, snippet_file, 1))
    if pending:
        segments.append(("\n".join(pending), path, pending_start))
    return segments


def _compile(code: str, filename: str, line: int) -> Any:
    # Leading newlines put each statement on its real line in tracebacks; asserts report their claims.
    return claims.compile_with_claims("\n" * (line - 1) + code, filename)


def run_python(source: str, namespace: dict[str, Any], path: str, first_line: int) -> None:
    segments = split_segments(source, path, first_line)
    try:
        compiled = [_compile(code, filename, line) for code, filename, line in segments]
    except SyntaxError:
        # An include inside an indented block only makes sense whole: run the expanded block as one piece.
        compiled = [_compile("\n".join(expand(source.splitlines())), path, first_line)]
    claims.install(namespace)
    for code in compiled:
        exec(code, namespace)


def run_pycon(source: str, namespace: dict[str, Any], path: str, first_line: int) -> str | None:
    text = "\n".join(expand(source.splitlines())) + "\n"
    test = doctest.DocTestParser().get_doctest(text, namespace, path, path, first_line - 1)
    runner = claims.ClaimRunner(optionflags=DOCTEST_FLAGS, file=path, first_line=first_line)
    report = io.StringIO()
    runner.run(test, out=report.write, clear_globs=False)
    namespace.update(test.globs)  # later blocks of the page see what this one defined
    return report.getvalue() if runner.failures else None


def save_figures(page: Path) -> None:
    """Save every open matplotlib figure of a page example as ``docs/generated/<page>/<label>.png``."""
    import sys

    if "matplotlib.pyplot" not in sys.modules:
        return
    import matplotlib.pyplot as plt

    out = GENERATED / page.relative_to(DOCS).with_suffix("")
    try:
        for number in plt.get_fignums():
            fig = plt.figure(number)
            label = fig.get_label()
            if not label:
                raise ValueError(
                    f"{page}: a figure has no name; create it with plt.subplots(num='name') so the page can show "
                    "docs/generated/<page>/<name>.png"
                )
            out.mkdir(parents=True, exist_ok=True)
            fig.savefig(out / f"{label}.png", dpi=100, bbox_inches="tight")
    finally:
        plt.close("all")


class _ClaimDocTestRunner(claims.ClaimRunner, DocTestRunner):
    """Sybil's doctest runner (its output checker and report) recording claims."""


class ClaimDocTestEvaluator(DocTestEvaluator):
    """Sybil's docstring evaluator with each ``>>>`` example recorded as a claim of its file and line."""

    def __init__(self, optionflags: int = 0) -> None:
        self.runner = _ClaimDocTestRunner(optionflags, first_line=1)

    def __call__(self, sybil_example: Example) -> str:
        __tracebackhide__ = True
        self.runner.file = claims.relative(sybil_example.path)
        self.runner.first_line = sybil_example.line - sybil_example.parsed.lineno  # the claim's line in the file
        return super().__call__(sybil_example)


def docstring_parser() -> DocTestParser:
    """``>>>`` examples of dlkit's docstrings, as Sybil's reST doctest parser finds them, recording claims."""
    parser = DocTestParser(optionflags=DOCTEST_FLAGS)
    parser.string_parser = DocTestStringParser(ClaimDocTestEvaluator(DOCTEST_FLAGS))
    return parser


class _Tee(io.TextIOBase):
    """Write to two streams: pytest's capture (or the terminal) and the page's recorded output."""

    def __init__(self, *streams: Any) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


class PageExampleParser:
    """Collect every ``python`` and ``pycon`` fence of a Markdown page as one example each."""

    def __init__(self) -> None:
        self.lexer = FencedCodeBlockLexer(language=r"[^\n]*", mapping={"language": "info", "source": "source"})

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in self.lexer(document):
            info = region.lexemes["info"].strip()
            language = info.split()[0] if info else ""
            if language not in LANGUAGES:
                continue
            if info != language:
                raise ValueError(
                    f"{document.path}: expected a bare ```{language} fence, but got ```{info}: "
                    "extra attributes would hide it from other tools"
                )
            region.parsed = (language, region.lexemes["source"])
            region.evaluator = self.evaluate
            yield region

    @staticmethod
    def evaluate(example: Example) -> str | None:
        language, source = example.parsed
        first_line = example.line + 1  # the code starts on the line after the opening fence
        path = str(example.path)
        is_doctest = source.lstrip().startswith(">>>")
        if language == "pycon" and not is_doctest:
            raise ValueError(f"{path}:{example.line}: a pycon fence must start with '>>>'")
        try:
            if is_doctest:
                return run_pycon(source, example.namespace, path, first_line)
            printed = io.StringIO()
            with contextlib.redirect_stdout(_Tee(sys.stdout, printed)):
                run_python(source, example.namespace, path, first_line)
            if Path(path).is_relative_to(DOCS):  # shown under the fence on the page (tools/hooks/outputs.py)
                outputs.record(Path(path), example.line, source, printed.getvalue(), GENERATED)
            return None
        finally:
            if Path(path).is_relative_to(DOCS):
                save_figures(Path(path))


def seed_document(namespace: dict[str, Any]) -> None:
    """Before each page or module: same seeds, pinned threads, no figures left over."""
    import numpy as np
    import torch

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    torch.set_num_threads(THREADS)


def close_document(namespace: dict[str, Any]) -> None:
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
