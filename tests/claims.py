"""Claims: every checked statement of a page, with the numbers that decided it.

A **claim** is

- an ``assert`` in a ``python`` fence, an included snippet or a notebook cell;
- a ``>>>`` example in a ``pycon`` fence or a docstring that has an expected output (``True``, a literal, a
  traceback), compared exactly by doctest.

For each claim the suite records where it is (file and line), its source, whether it held and, for comparisons
(``a < b``, chains, ``and``/``or``/``not`` of them, tuples of them, ``math.isclose``/``torch.allclose``/
``numpy.isclose``/``numpy.allclose`` calls), the operand values and the **margin**: how far the measured value is
from the threshold, relative to it: ``(a - b) / |b|`` for ``a > b``, ``(b - a) / |b|`` for ``a < b``,
``(tolerance - |a - b|) / tolerance`` for closeness. Positive: held with room; negative: failed.

How the values are obtained without running anything twice:

- ``assert`` statements are rewritten in the compiled code (``rewrite_asserts``), like pytest's assertion
  rewriting: each operand is evaluated once, in order, with Python's short-circuit rules, and a failure raises
  ``AssertionError`` from the assert's own line whose message gives the operands
  (``file:line: a > b -> 0.412 > 0.398 is False``), then the assert's own message.
- A ``>>>`` claim expecting ``True`` has already run; its operands are evaluated again in the page's namespace
  after it, only when every operand is side-effect free (names, attributes, subscripts, arithmetic and calls of
  known pure functions and methods: ``min``, ``abs``, ``.item()``, ``.mean()``, ``sklearn.metrics``...).
  Anything else (training, sampling) is never re-run: the claim is recorded as held or not, without values.

Claims are collected in ``LOG`` and drained per test item by ``tests/verification.py``.
"""

from __future__ import annotations

import ast
import doctest
import math
import numbers
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RECORDER_NAME = "@dlkit_claims"  # not an identifier: cannot clash with a page's names

# ----------------------------------------------------------------------------------------------------------------
# Values and margins


def as_number(value: Any) -> float | None:
    """A real scalar as a float (Python, numpy, a one-element tensor); ``None`` for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    module = type(value).__module__ or ""
    if module.startswith(("numpy", "torch")):
        try:
            if getattr(value, "dtype", None) is not None and "bool" in str(value.dtype):
                return None
            size = value.numel() if hasattr(value, "numel") else getattr(value, "size", 0)
            if size == 1:
                return float(value.item() if hasattr(value, "item") else value)
        except Exception:  # noqa: BLE001 - anything that does not convert is not a number
            return None
    return None


def fmt(value: Any) -> str:
    number = as_number(value)
    if number is not None:
        if float(number).is_integer() and abs(number) < 1e15:
            return str(int(number)) if not isinstance(value, float) else f"{number:.1f}"
        return f"{number:.4g}"
    shape = getattr(value, "shape", None)
    if shape is not None and type(value).__module__.startswith(("numpy", "torch")):
        return f"{type(value).__name__}(shape={list(shape)})"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def comparison_margin(left: Any, op: str, right: Any) -> float | None:
    """Relative distance to the threshold ``right``: positive when ``left op right`` holds with room."""
    a, b = as_number(left), as_number(right)
    if a is None or b is None or op not in ("<", "<=", ">", ">="):
        return None
    scale = abs(b) or abs(a) or 1.0
    return (a - b) / scale if op in (">", ">=") else (b - a) / scale


_OPS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Lt: ("<", operator.lt), ast.LtE: ("<=", operator.le), ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge), ast.Eq: ("==", operator.eq), ast.NotEq: ("!=", operator.ne),
    ast.Is: ("is", operator.is_), ast.IsNot: ("is not", operator.is_not),
    ast.In: ("in", lambda a, b: a in b), ast.NotIn: ("not in", lambda a, b: a not in b),
}
CLOSENESS = {"isclose", "allclose"}


def _closeness(function: Any, args: list[Any], kwargs: dict[str, Any]) -> tuple[str, float | None]:
    """Text and margin of ``math.isclose`` / ``torch.allclose`` / ``numpy.isclose`` / ``numpy.allclose``."""
    import math as _math

    if len(args) < 2:
        return "", None
    a, b = args[0], args[1]
    if function is _math.isclose:
        rel, absolute = kwargs.get("rel_tol", 1e-9), kwargs.get("abs_tol", 0.0)
        fa, fb = as_number(a), as_number(b)
        if fa is None or fb is None:
            return "", None
        diff = abs(fa - fb)
        tol = max(rel * max(abs(fa), abs(fb)), absolute)
        margin = (tol - diff) / tol if tol > 0 else (0.0 if diff == 0 else -math.inf)
        return f"|{fmt(fa)} - {fmt(fb)}| = {diff:.3g} vs tolerance {tol:.3g}", margin
    module = getattr(function, "__module__", "") or ""
    name = getattr(function, "__name__", "")
    if name not in CLOSENESS:
        return "", None
    rtol = kwargs.get("rtol", args[2] if len(args) > 2 else 1e-5)
    atol = kwargs.get("atol", args[3] if len(args) > 3 else 1e-8)
    try:
        if module.startswith("torch") or "torch" in type(a).__module__:
            import torch

            ta, tb = (torch.as_tensor(t).detach().cpu().double() for t in (a, b))  # a record, not part of any graph
            diff, tol = (ta - tb).abs(), atol + rtol * tb.abs()
            worst = int(((tol - diff) / tol.clamp_min(1e-300)).argmin())
            d, t = float(diff.flatten()[worst]), float(tol.flatten()[worst]) if tol.dim() else float(tol)
        else:
            import numpy as np

            na, nb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            diff, tol = np.abs(na - nb), atol + rtol * np.abs(nb)
            diff, tol = np.broadcast_arrays(diff, tol)
            worst = int(np.argmin((tol - diff) / np.maximum(tol, 1e-300)))
            d, t = float(diff.flat[worst]), float(tol.flat[worst])
    except Exception:  # noqa: BLE001 - shapes that do not broadcast: no margin, the call's own result stands
        return "", None
    margin = (t - d) / t if t > 0 else (0.0 if d == 0 else -math.inf)
    return f"largest |a - b| relative to its tolerance: {d:.3g} vs {t:.3g}", margin


# ----------------------------------------------------------------------------------------------------------------
# The structure of a claim: comparisons, boolean operators, closeness calls; everything else is an operand


@dataclass
class Spec:
    kind: str  # "cmp", "and", "or", "not", "tuple", "close", "leaf"
    children: list[Spec] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)  # cmp: one per pair; close: the keyword names
    leaf: int = -1  # index into the operand list
    source: str = ""


def _call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def build_spec(node: ast.expr, leaves: list[ast.expr], text: str | None) -> Spec:
    """The claim's structure; each operand expression is appended to ``leaves``."""

    def leaf(expr: ast.expr) -> Spec:
        leaves.append(expr)
        source = (ast.get_source_segment(text, expr) if text else None) or ast.unparse(expr)
        return Spec("leaf", leaf=len(leaves) - 1, source=source)

    if isinstance(node, ast.Compare):
        return Spec("cmp", [leaf(node.left), *(leaf(c) for c in node.comparators)],
                    ops=[_OPS[type(op)][0] for op in node.ops])
    if isinstance(node, ast.BoolOp):
        kind = "and" if isinstance(node.op, ast.And) else "or"
        return Spec(kind, [build_spec(v, leaves, text) for v in node.values])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return Spec("not", [build_spec(node.operand, leaves, text)])
    if isinstance(node, ast.Tuple) and isinstance(node.ctx, ast.Load) and not any(
        isinstance(e, ast.Starred) for e in node.elts
    ):
        return Spec("tuple", [build_spec(e, leaves, text) for e in node.elts])
    if (isinstance(node, ast.Call) and _call_name(node.func) in CLOSENESS
            and not any(isinstance(a, ast.Starred) for a in node.args) and all(k.arg for k in node.keywords)):
        children = [leaf(node.func), *(leaf(a) for a in node.args), *(leaf(k.value) for k in node.keywords)]
        return Spec("close", children, ops=[k.arg for k in node.keywords])  # type: ignore[misc]
    return leaf(node)


@dataclass
class Outcome:
    result: Any
    events: list[tuple[str, bool | None, float | None]] = field(default_factory=list)  # text, held, margin
    values: list[tuple[str, Any]] = field(default_factory=list)  # operand source, value

    def margin(self) -> float | None:
        margins = [m for _, _, m in self.events if m is not None]
        return min(margins) if margins else None


def _truth(value: Any) -> bool | None:
    try:
        return bool(value)
    except Exception:  # noqa: BLE001 - e.g. a tensor of several elements: its truth is an error, not a claim
        return None


def evaluate(spec: Spec, operand: Callable[[int], Any], outcome: Outcome | None = None) -> Outcome:
    """Evaluate a claim's structure with Python's own order and short-circuiting; ``operand(i)`` gives leaf i."""
    out = outcome or Outcome(None)

    def value_of(s: Spec) -> Any:
        v = operand(s.leaf)
        out.values.append((s.source, v))
        return v

    def run(s: Spec) -> Any:
        if s.kind == "leaf":
            return value_of(s)
        if s.kind == "cmp":
            left = value_of(s.children[0])
            result: Any = True
            for op, child in zip(s.ops, s.children[1:]):
                right = value_of(child)
                function = next(f for sym, f in _OPS.values() if sym == op)
                result = function(left, right)
                held = _truth(result)
                out.events.append((f"{fmt(left)} {op} {fmt(right)}", held, comparison_margin(left, op, right)))
                if not held:
                    return result
                left = right
            return result
        if s.kind in ("and", "or"):
            result = None
            for child in s.children:
                result = run(child)
                truth = _truth(result)
                if (s.kind == "and" and not truth) or (s.kind == "or" and truth):
                    return result
            return result
        if s.kind == "not":
            before = len(out.events)
            result = not run(s.children[0])
            out.events[before:] = [(f"not ({t})", None if h is None else not h, None if m is None else -m)
                                   for t, h, m in out.events[before:]]
            return result
        if s.kind == "tuple":
            return tuple(run(child) for child in s.children)
        if s.kind == "close":
            function = value_of(s.children[0])
            positional = len(s.children) - 1 - len(s.ops)
            args = [value_of(c) for c in s.children[1:1 + positional]]
            kwargs = {name: value_of(c) for name, c in zip(s.ops, s.children[1 + positional:])}
            result = function(*args, **kwargs)
            text, margin = _closeness(function, args, kwargs)
            name = getattr(function, "__name__", "isclose")
            out.events.append((f"{name}: {text}" if text else f"{name}(...)", _truth(result), margin))
            return result
        raise AssertionError(f"unknown claim structure {s.kind!r}")

    out.result = run(spec)
    return out


def explain(source: str, outcome: Outcome, held: bool) -> str:
    """``a > b -> 0.412 > 0.398 is False``: the claim with the values that decided it."""
    if not outcome.events:
        shown = "; ".join(f"{src} = {fmt(v)}" for src, v in outcome.values if src != source)
        return f"{source} -> {fmt(outcome.result)}" + (f" (where {shown})" if shown else "") + f" is {held}"
    parts = [f"{text} is {h}" for text, h, _ in outcome.events]
    return f"{source} -> " + ", ".join(parts)


# ----------------------------------------------------------------------------------------------------------------
# The log: what ran, drained per test item


@dataclass
class Site:
    file: str  # relative to the repository root when inside it
    line: int
    source: str
    kind: str  # "assert", "true", "output", "raises"
    spec: Spec | None = None


def _is_literal(source: str) -> bool:
    try:
        ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def without_comments(source: str) -> str:
    """The code of a ``>>>`` example on one line, without its ``# comments``."""
    import io
    import tokenize

    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type != tokenize.COMMENT]
        source = tokenize.untokenize(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return " ".join(source.split())


def relative(path: str | Path) -> str:
    p = Path(path)
    try:
        return p.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


class ClaimLog:
    def __init__(self) -> None:
        self.sites: list[Site] = []
        self.pending: dict[tuple[str, int], dict[str, Any]] = {}
        self.message = ""

    def register(self, site: Site) -> int:
        self.sites.append(site)
        return len(self.sites) - 1

    def record(self, site: Site, held: bool, outcome: Outcome | None = None, detail: str = "") -> dict[str, Any]:
        values = {}
        if outcome is not None:
            for src, v in outcome.values:
                number = as_number(v)
                if src not in values and not _is_literal(src) and (number is not None or not callable(v)):
                    values[src] = number if number is not None else fmt(v)
        margin = outcome.margin() if outcome is not None else None
        explanation = detail or (explain(site.source, outcome, held) if outcome is not None else "")
        entry = {
            "file": site.file, "line": site.line, "source": site.source, "kind": site.kind, "held": held,
            "margin": None if margin is None or math.isnan(margin) else round(margin, 6),
            "values": values, "explanation": explanation,
        }
        self._merge(entry)
        return entry

    def _merge(self, entry: dict[str, Any]) -> None:
        """One record per file and line (a claim in a loop: all must hold; the weakest is kept)."""
        key = (entry["file"], entry["line"])
        kept = self.pending.get(key)
        if kept is None:
            self.pending[key] = {**entry, "count": 1}
            return
        worse = (not entry["held"] and kept["held"]) or (
            entry["held"] == kept["held"] and entry["margin"] is not None
            and (kept["margin"] is None or entry["margin"] < kept["margin"])
        )
        if worse:
            self.pending[key] = {**entry, "count": kept["count"] + 1}
        else:
            kept["count"] += 1

    def drain(self) -> list[dict[str, Any]]:
        """The claims recorded since the last drain, one per file and line."""
        drained = list(self.pending.values())
        self.pending = {}
        return drained

    def check_assert(self, index: int, operands: tuple[Callable[[], Any], ...],
                     message: Callable[[], Any] | None) -> bool:
        """Evaluate an assert's claim and record it; on failure ``failure_message()`` says why (the rewritten
        statement is ``assert log.check_assert(...), log.failure_message()``: it raises from the page's line)."""
        __tracebackhide__ = True
        site = self.sites[index]
        assert site.spec is not None
        outcome = Outcome(None)
        self.message = ""
        try:
            evaluate(site.spec, lambda i: operands[i](), outcome)
        except BaseException as error:
            self.record(site, False, outcome, f"{site.source} -> raised {type(error).__name__}: {error}")
            raise
        truth = _truth(outcome.result)
        if truth is None:
            self.record(site, False, outcome, f"{site.source} -> truth of {fmt(outcome.result)} is ambiguous")
            bool(outcome.result)  # raises what Python's assert would
        entry = self.record(site, bool(truth), outcome)
        if not truth:
            self.message = f"{Path(site.file).name}:{site.line}: {entry['explanation']}"
            if message is not None:
                self.message += f"\n{message()}"
        return bool(truth)

    def failure_message(self) -> str:
        return self.message


LOG = ClaimLog()


# ----------------------------------------------------------------------------------------------------------------
# Assert rewriting


def _instrumentable(test: ast.expr) -> bool:
    for node in ast.walk(test):
        if isinstance(node, (ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await)):
            return False
        if isinstance(node, ast.Name) and node.id == "super":
            return False
    return True


class _AssertRewriter(ast.NodeTransformer):
    def __init__(self, text: str, filename: str, log: ClaimLog) -> None:
        self.text, self.filename, self.log = text, filename, log
        self.in_class = False

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        # A lambda in a class body cannot see the class's names: leave asserts written there alone.
        outer, self.in_class = self.in_class, True
        node = self.generic_visit(node)  # type: ignore[assignment]
        self.in_class = outer
        return node

    def _function(self, node: ast.AST) -> ast.AST:
        outer, self.in_class = self.in_class, False
        node = self.generic_visit(node)
        self.in_class = outer
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function  # type: ignore[assignment]

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        if self.in_class or not _instrumentable(node.test) or (node.msg is not None and not _instrumentable(node.msg)):
            return node
        leaves: list[ast.expr] = []
        spec = build_spec(node.test, leaves, self.text)
        source = ast.get_source_segment(self.text, node.test) or ast.unparse(node.test)
        index = self.log.register(Site(relative(self.filename), node.lineno, " ".join(source.split()), "assert", spec))

        def thunk(expr: ast.expr) -> ast.Lambda:
            args = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                 defaults=[])
            return ast.Lambda(args=args, body=expr)

        def recorder(method: str, args: list[ast.expr]) -> ast.Call:
            function = ast.Attribute(value=ast.Name(RECORDER_NAME, ast.Load()), attr=method, ctx=ast.Load())
            return ast.Call(func=function, args=args, keywords=[])

        check = recorder("check_assert", [
            ast.Constant(index), ast.Tuple([thunk(leaf) for leaf in leaves], ast.Load()),
            thunk(node.msg) if node.msg is not None else ast.Constant(None),
        ])
        statement = ast.Assert(test=check, msg=recorder("failure_message", []))
        ast.copy_location(statement, node)
        for child in ast.walk(statement):
            if getattr(child, "lineno", None) is None:
                ast.copy_location(child, node)
        return statement


def rewrite_asserts(tree: ast.Module, text: str, filename: str, log: ClaimLog | None = None) -> ast.Module:
    """Every ``assert`` of ``tree`` reports its claim to ``log`` (the namespace must hold ``RECORDER_NAME``)."""
    new = _AssertRewriter(text, filename, log or LOG).visit(tree)
    return ast.fix_missing_locations(new)


def compile_with_claims(code: str, filename: str, log: ClaimLog | None = None) -> Any:
    tree = ast.parse(code, filename)
    return compile(rewrite_asserts(tree, code, filename, log), filename, "exec", dont_inherit=True)


def install(namespace: dict[str, Any], log: ClaimLog | None = None) -> None:
    namespace[RECORDER_NAME] = log or LOG


# ----------------------------------------------------------------------------------------------------------------
# >>> claims: re-evaluation of side-effect-free operands after the example ran

PURE_FUNCTIONS = {
    "abs", "min", "max", "len", "round", "sum", "float", "int", "bool", "str", "sorted", "all", "any", "set", "list",
    "tuple", "dict", "zip", "range", "enumerate", "reversed", "isinstance", "type", "frozenset", "repr",
    "isclose", "allclose", "equal", "array_equal", "median", "mean", "std", "var", "sqrt", "log", "log2", "log10",
    "exp", "fabs", "isfinite", "isnan", "isinf", "prod", "fsum", "floor", "ceil", "hypot", "pi", "inf",
    "count_nonzero", "quantile", "percentile", "corrcoef", "norm", "dist", "asarray", "as_tensor", "tensor",
    "trace", "diag", "cumsum", "diff", "sign", "unique", "argmax", "argmin", "maximum", "minimum", "stack", "cat",
    "concatenate", "where", "logical_and", "logical_or", "sigmoid", "softmax", "exp2", "isclose", "clamp", "clip",
}
PURE_METHODS = {
    "item", "mean", "median", "max", "min", "abs", "sum", "std", "var", "tolist", "numel", "size", "all", "any",
    "argmax", "argmin", "float", "double", "int", "long", "norm", "trace", "count", "index", "keys", "values",
    "items", "get", "isclose", "allclose", "equal", "isfinite", "isnan", "exp", "log", "sqrt", "cpu", "detach",
    "numpy", "eq", "ne", "lt", "gt", "le", "ge", "prod", "cumsum", "diff", "flatten", "view", "reshape", "squeeze",
    "unsqueeze", "t", "count_nonzero", "sign", "clamp", "clip", "startswith", "endswith", "lower", "upper", "split",
    "strip", "dim", "astype", "round", "nonzero", "sort", "to", "type", "bool", "tolist", "issubset", "union",
    "intersection", "difference", "isdisjoint", "quantile", "unique", "square", "pow", "sub", "add", "mul", "div",
    "logical_and", "logical_or", "copy", "contiguous", "ravel", "transpose", "permute",
}
PURE_MODULES = ("sklearn.metrics", "math", "statistics", "operator")
_IMPURE_WORDS = ("rand", "seed", "shuffle", "normal", "bernoulli", "multinomial", "dropout", "fit", "train", "step")


def impure_parts(node: ast.expr) -> list[str]:
    """What makes an expression unsafe to evaluate twice (calls of unknown functions); empty when it is pure."""
    problems = []
    for child in ast.walk(node):
        if isinstance(child, (ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await, ast.Lambda)):
            problems.append(type(child).__name__)
        elif isinstance(child, ast.Call):
            name = _call_name(child.func)
            if any(word in name.lower() for word in _IMPURE_WORDS):
                problems.append(name)
            elif isinstance(child.func, ast.Name) and name not in PURE_FUNCTIONS:
                problems.append(name)
            elif isinstance(child.func, ast.Attribute) and name not in PURE_METHODS | PURE_FUNCTIONS:
                problems.append(name)
            elif not isinstance(child.func, (ast.Name, ast.Attribute)):
                problems.append(ast.unparse(child.func))
    return problems


def pure_module_functions(node: ast.expr, namespace: dict[str, Any]) -> list[str]:
    """Calls of functions from modules known to be pure (``sklearn.metrics``): allowed whatever their name."""
    names = []
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and isinstance(child.func, (ast.Name, ast.Attribute)):
            try:
                function = eval(compile(ast.Expression(child.func), "<claim>", "eval"), namespace)  # noqa: S307
            except Exception:  # noqa: BLE001
                continue
            if (getattr(function, "__module__", "") or "").startswith(PURE_MODULES):
                names.append(_call_name(child.func))
    return names


TRUE_OUTPUTS = {"True", "np.True_", "numpy.True_", "tensor(True)"}


def reevaluate(source: str, namespace: dict[str, Any]) -> tuple[Outcome | None, str]:
    """Evaluate a ``>>>`` claim's operands again after it ran; ``(None, why)`` when that would not be safe."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return None, "not a single expression"
    allowed = set(pure_module_functions(tree.body, namespace))
    problems = [p for p in impure_parts(tree.body) if p not in allowed]
    if problems:
        return None, f"operands not re-evaluated: calls {', '.join(sorted(set(problems)))}"
    leaves: list[ast.expr] = []
    text = source.strip()
    spec = build_spec(tree.body, leaves, text)
    compiled = [compile(ast.Expression(leaf), "<claim>", "eval") for leaf in leaves]
    outcome = Outcome(None)
    try:
        evaluate(spec, lambda i: eval(compiled[i], namespace), outcome)  # noqa: S307 - the page's own expression
    except Exception as error:  # noqa: BLE001
        return None, f"operands not re-evaluated: {type(error).__name__}: {error}"
    return outcome, ""


class ClaimRunner(doctest.DocTestRunner):
    """A doctest runner that records every example with an expected output as a claim.

    ``file`` and ``first_line`` say where the doctest's line 0 is (the fence's first line, or the docstring
    example's line); a failing ``True`` claim's report starts with the line that names its values.
    """

    def __init__(self, *args: Any, file: str = "", first_line: int = 0, log: ClaimLog | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file, self.first_line, self.log = relative(file) if file else "", first_line, log or LOG

    def _site(self, test: doctest.DocTest, example: doctest.Example) -> Site | None:
        if not example.want and example.exc_msg is None:
            return None
        kind = "raises" if example.exc_msg is not None else (
            "true" if example.want.strip() in TRUE_OUTPUTS else "output")
        line = self.first_line + example.lineno
        return Site(self.file or relative(test.filename or test.name), line, without_comments(example.source), kind)

    def _values(self, site: Site, test: doctest.DocTest, held: bool) -> tuple[Outcome | None, str]:
        if site.kind not in ("true", "output"):
            return None, ""
        outcome, why = reevaluate(site.source, test.globs)
        if outcome is None:
            return None, why
        if site.kind == "output" and not outcome.events:
            return None, ""  # a printed value: doctest shows expected and got
        return outcome, ""

    def report_success(self, out: Any, test: doctest.DocTest, example: doctest.Example, got: str) -> None:
        site = self._site(test, example)
        if site is not None:
            outcome, _ = self._values(site, test, True)
            self.log.record(site, True, outcome)
        super().report_success(out, test, example, got)

    def report_failure(self, out: Any, test: doctest.DocTest, example: doctest.Example, got: str) -> None:
        site = self._site(test, example)
        if site is not None:
            outcome, why = self._values(site, test, False)
            if outcome is not None:
                detail = explain(site.source, outcome, False)
            elif site.kind == "true":
                detail = f"{site.source} -> {got.strip()}" + (f" ({why})" if why else "")
            else:
                detail = f"{site.source} -> expected {example.want.strip()!r}, got {got.strip()!r}"
            self.log.record(site, False, outcome, detail)
            out(f"Claim failed: {Path(site.file).name}:{site.line}: {detail}\n")
        super().report_failure(out, test, example, got)

    def report_unexpected_exception(self, out: Any, test: doctest.DocTest, example: doctest.Example,
                                    exc_info: Any) -> None:
        site = self._site(test, example)
        if site is not None:
            detail = f"{site.source} -> raised {exc_info[0].__name__}: {exc_info[1]}"
            self.log.record(site, False, None, detail)
            out(f"Claim failed: {Path(site.file).name}:{site.line}: {detail}\n")
        super().report_unexpected_exception(out, test, example, exc_info)
