"""GPU readiness, checked without a GPU: no example and no dlkit function assumes its tensors are on the CPU.

Two kinds of check.

1. A static scan (the AST) of every page example (``python`` and ``pycon`` fences of docs/**/*.md, with their
   ``--8<--`` includes), snippets/**/*.py, docs/projects/*.py, and dlkit's code and docstring examples:

   - no hard-coded device: no ``.cuda()``, no ``device=``/``accelerator=`` set to a device name (``"cpu"``,
     ``"cuda"``, ``"gpu"``, ...), no ``torch.device("...")``, no ``.to("cuda")``. ``map_location="cpu"`` and
     ``.to("cpu")`` are allowed: they move *to* the CPU, which is right on any machine (the CPU is always there).
     The accelerator is Lightning's ``"auto"``, or ``DLKIT_ACCELERATOR`` (``dlkit.training.default_accelerator``).
   - no ``.numpy()`` on a tensor that may live on an accelerator. Where may one? Lightning moves a task back to
     the CPU when ``fit``/``validate``/``test``/``predict`` ends, and ``trainer.predict`` returns its outputs on
     the CPU (``test_lightning_returns_the_task_and_predictions_to_the_cpu`` checks both); data modules hold CPU
     tensors; ``collect_predictions`` returns CPU tensors. So a tensor can be on the accelerator only
     (a) in dlkit's functions, which receive tensors from anywhere, and in code that runs *during* training
         (a callback's ``on_*`` hook or an ``on_*=`` lambda, a ``*_step``, ``forward``): there the receiver of
         ``.numpy()`` must be a ``.cpu()`` chain (``x.detach().cpu().numpy()``) or a name bound to a CPU tensor:
         a ``.cpu()`` chain, ``collect_predictions``, a dataset's ``.tensors``, a torch constructor without
         ``device=`` (``torch.tensor``, ``torch.arange``, ``torch.as_tensor``, ...), ``add_noise``/``mask_tokens``
         of a CPU tensor (they follow their input: checked below), arithmetic of those, or a function of the
         example returning only such tensors;
     (b) in a page's own flow, after it moves something itself (``.to(<device>)``, ``device=<expression>``,
         ``.cuda()``, ``module.to(device)`` in place) or reads ``trainer.callback_metrics``: names bound to what
         derives from those (statement by statement, across the page's fences and included snippets) must pass
         through ``.cpu()`` before ``.numpy()``.

2. Runtime checks on a **virtual accelerator** (``VirtualAccelerator``, a ``TorchFunctionMode``): tensors "on
   the accelerator" are CPU tensors the mode tracks; they report ``device`` as ``meta`` (standing for ``cuda:0``),
   and, as on a GPU, an operation that mixes them with a non-scalar tensor off the accelerator raises, so does
   ``.numpy()`` on them and a CPU ``torch.Generator`` used with them; factories with ``device=<the accelerator>``
   and ``.to(<the accelerator>)`` put tensors there, ``.cpu()`` takes them off. Values are real (computed on the
   CPU), so data-dependent checks run as usual. Every network's forward pass, every task's training and
   validation step, sampling and decoding, ``mask_tokens``, ``add_noise``, the callbacks and
   ``collect_predictions`` run there: each forgotten ``device=`` in a factory, tensor kept as a plain attribute
   instead of a buffer, or ``.numpy()`` without ``.cpu()`` fails here as it would on a GPU.

What remains unverifiable without a GPU:

- numbers: CUDA kernels (cuBLAS/cuDNN, TF32 matmuls, fused attention, atomics in reductions) give other floating
  -point results than the CPU; every page claim with a threshold may move (the robustness sweep covers CPUs,
  threads and seeds only);
- ``deterministic=True`` (``make_trainer``'s default): on CUDA, ``torch.use_deterministic_algorithms`` raises
  for operations without a deterministic CUDA kernel (e.g. some pooling and scatter backward passes), which the
  CPU never reports;
- Lightning's GPU paths: device placement of the real CUDA tensors, pinned memory, mixed precision, and what the
  virtual accelerator does not model (indexing across devices is allowed here, as CUDA allows CPU index tensors;
  cross-device ``copy_`` is allowed);
- memory: whether a page's batch sizes fit a given GPU, and speed-based claims on a GPU;
- pages that are not examples (figures drawn from GPU tensors inside matplotlib calls other than ``.numpy()``,
  e.g. ``plt.plot(tensor)``, which calls ``numpy.asarray`` on it) are only checked where tensors are known to be
  on the CPU by the rules above.
"""

from __future__ import annotations

import ast
import doctest
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytorch_lightning as pl
import torch
from torch.overrides import TorchFunctionMode
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.weak import WeakIdKeyDictionary

ROOT = Path(__file__).resolve().parents[1]
DEVICE_NAMES = {"cpu", "cuda", "gpu", "mps", "tpu", "xla", "hpu", "xpu", "ipu", "meta"}

# ============================================================================== 1. the static scan
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>python|pycon)\b[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
INCLUDE = re.compile(r"""^[ \t]*-{1,}8<-{1,}[ \t]+(["'])(?P<name>[^"':]+)\1[ \t]*$""", re.M)


@dataclass
class Example:
    """One piece of Python to scan: where it comes from (for the report) and its source."""

    where: str
    line: int
    source: str


def _expand_includes(text: str) -> str:
    return INCLUDE.sub(lambda m: (ROOT / m.group("name")).read_text(), text)


def _pycon_source(text: str) -> str:
    return "".join(example.source for example in doctest.DocTestParser().get_examples(text))


def page_examples(page: Path) -> list[Example]:
    """The page's fences in order; a whole-snippet include becomes an example of its own, named by the snippet."""
    text = page.read_text()
    where = str(page.relative_to(ROOT))
    examples = []
    for match in FENCE.finditer(text):
        body = textwrap.dedent(match.group("body"))
        line = text.count("\n", 0, match.start()) + 2
        if match.group("lang") == "pycon":
            examples.append(Example(where, line, _pycon_source(_expand_includes(body))))
            continue
        pieces, position = [], 0
        for include in INCLUDE.finditer(body):
            before = body[position:include.start()]
            if before.strip():
                pieces.append(Example(where, line + body.count("\n", 0, position), before))
            pieces.append(Example(include.group("name"), 1, (ROOT / include.group("name")).read_text()))
            position = include.end()
        if body[position:].strip():
            pieces.append(Example(where, line + body.count("\n", 0, position), body[position:]))
        try:
            for piece in pieces:
                ast.parse(piece.source)
        except SyntaxError:  # an include inside an indented block: scan the expanded fence as one piece
            pieces = [Example(where, line, _expand_includes(body))]
        examples += pieces
    return examples


def module_examples(path: Path) -> list[Example]:
    """A Python file: its code, and each docstring's ``>>>`` example as a separate example."""
    source = path.read_text()
    where = str(path.relative_to(ROOT))
    examples = [Example(where, 1, source)]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            docstring = ast.get_docstring(node, clean=False)
            if docstring and ">>>" in docstring:
                line = node.body[0].lineno if node.body else 1
                examples.append(Example(where, line, _pycon_source(textwrap.dedent(docstring))))
    return examples


def documents() -> dict[str, list[Example]]:
    """Each page (fences with includes), snippet, project notebook and dlkit module, with its examples."""
    found: dict[str, list[Example]] = {}
    for page in sorted((ROOT / "docs").rglob("*.md")):
        if "generated" not in page.parts:
            found[str(page.relative_to(ROOT))] = page_examples(page)
    for pattern in ("snippets/**/*.py", "docs/projects/*.py", "dlkit/**/*.py"):
        for path in sorted(ROOT.glob(pattern)):
            found[str(path.relative_to(ROOT))] = module_examples(path)
    return found


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _device_name(node: ast.AST | None) -> str | None:
    """The device a string constant names (``"cuda:1"`` -> ``"cuda"``), or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        name = node.value.split(":")[0].strip().lower()
        return name if name in DEVICE_NAMES else None
    return None


def hard_coded_devices(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "cuda":
            yield node.lineno, "`.cuda()` hard-codes the GPU: use `.to(task.device)` or let Lightning place it"
        if _dotted(func) == "torch.device" and node.args and _device_name(node.args[0]):
            yield node.lineno, f"torch.device({node.args[0].value!r}) hard-codes a device"
        moves_to = _device_name(node.args[0]) if node.args else None
        if isinstance(func, ast.Attribute) and func.attr == "to" and moves_to not in (None, "cpu"):
            yield node.lineno, f".to({node.args[0].value!r}) hard-codes a device"
        for keyword in node.keywords:
            name = _device_name(keyword.value)
            if keyword.arg in ("device", "accelerator") and name:
                yield node.lineno, f"{keyword.arg}={keyword.value.value!r} hard-codes a device"
            if keyword.arg == "map_location" and name not in (None, "cpu"):
                yield node.lineno, f"map_location={keyword.value.value!r} hard-codes a device"


# Methods that return a tensor on the device of the tensor they are called on.
SAME_DEVICE = {
    "detach", "float", "double", "half", "long", "int", "bool", "clone", "contiguous", "reshape", "view", "flatten",
    "squeeze", "unsqueeze", "permute", "transpose", "t", "round", "abs", "exp", "log", "sigmoid", "softmax",
    "argmax", "argmin", "sum", "mean", "max", "min", "std", "var", "cumsum", "sort", "numpy_T", "expand", "repeat",
    "masked_fill", "clamp", "flip", "roll", "type_as", "squeeze_", "to_dense",
}
CPU_ATTRIBUTES = {"T", "mT", "data", "tensors", "real", "imag"}
# Calls whose result is on the CPU: constructors without ``device=`` and dlkit's documented CPU results.
CPU_CONSTRUCTORS = {
    "torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.arange", "torch.linspace", "torch.logspace",
    "torch.zeros", "torch.ones", "torch.full", "torch.empty", "torch.eye", "torch.rand", "torch.randn",
    "torch.randint", "torch.randperm", "torch.block_diag", "collect_predictions", "sinusoidal_positional_encoding",
}
# dlkit functions whose result is on the device of their first argument (checked on the virtual accelerator by
# test_corruptions_follow_their_input): CPU in, CPU out.
FOLLOW_INPUT = {"add_noise", "mask_tokens"}


class CPUNames(ast.NodeVisitor):
    """Names bound, anywhere in one example, to tensors known to be on the CPU (see the module docstring)."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.functions: set[str] = set()  # functions of the example whose every return value is a CPU tensor

    def is_cpu(self, node: ast.AST) -> bool:
        while True:
            if isinstance(node, ast.Constant):
                return True
            if isinstance(node, ast.BinOp):
                return self.is_cpu(node.left) and self.is_cpu(node.right)
            if isinstance(node, ast.UnaryOp):
                node = node.operand
                continue
            if isinstance(node, (ast.Compare, ast.BoolOp)):
                parts = [node.left, *node.comparators] if isinstance(node, ast.Compare) else node.values
                return all(self.is_cpu(part) for part in parts)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method = node.func.attr
                if method == "cpu" or (method == "to" and node.args and _device_name(node.args[0]) == "cpu"):
                    return True
                if method in SAME_DEVICE or method == "numpy":
                    node = node.func.value
                    continue
            if isinstance(node, ast.Call):
                called = _dotted(node.func)
                short = called.split(".")[-1]
                if any(k.arg == "device" for k in node.keywords):
                    return False
                if short in FOLLOW_INPUT:
                    return bool(node.args) and self.is_cpu(node.args[0])
                return called in CPU_CONSTRUCTORS or short in CPU_CONSTRUCTORS or called in self.functions
            if isinstance(node, ast.Attribute) and node.attr in CPU_ATTRIBUTES:
                return node.attr == "tensors" or self.is_cpu(node.value)
            if isinstance(node, ast.Subscript):
                node = node.value
                continue
            if isinstance(node, ast.Name):
                return node.id in self.names
            if isinstance(node, (ast.Tuple, ast.List)):
                return all(self.is_cpu(element) for element in node.elts)
            if isinstance(node, ast.GeneratorExp):  # (t.numpy() for t in ...) is checked where .numpy() is called
                return True
            return False

    def _bind(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.names.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind(element)

    def visit_Assign(self, node: ast.Assign) -> None:
        if self.is_cpu(node.value):
            for target in node.targets:
                self._bind(target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None and self.is_cpu(node.value):
            self._bind(node.target)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        # for a, b in [(x, y), (u, v)]: a is a CPU name if x and u are
        rows = node.iter.elts if isinstance(node.iter, (ast.List, ast.Tuple)) else []
        if rows and isinstance(node.target, ast.Tuple) and all(
            isinstance(row, ast.Tuple) and len(row.elts) == len(node.target.elts) for row in rows
        ):
            for i, target in enumerate(node.target.elts):
                if all(self.is_cpu(row.elts[i]) for row in rows):
                    self._bind(target)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        local = CPUNames()
        local.names, local.functions = set(self.names), self.functions
        local.visit(ast.Module(body=node.body, type_ignores=[]))
        returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
        if returns and all(local.is_cpu(value) for value in returns):
            self.functions.add(node.name)
        self.generic_visit(node)


def _is_cpu_chain(node: ast.AST) -> bool:
    """``... .cpu()`` or ``... .to("cpu")``, possibly followed by methods that keep the device."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        method = node.func.attr
        if method == "cpu" or (method == "to" and node.args and _device_name(node.args[0]) == "cpu"):
            return True
        if method not in SAME_DEVICE:
            return False
        node = node.func.value
    return False


def _moves(node: ast.Call) -> bool:
    """A call that puts a tensor on a device other than the CPU: ``.cuda()``, ``.to(<device>)``, ``device=<...>``."""
    if isinstance(node.func, ast.Attribute) and node.func.attr == "cuda":
        return True
    if isinstance(node.func, ast.Attribute) and node.func.attr == "to" and node.args:
        target = node.args[0]
        is_dtype = _dotted(target) in TORCH_DTYPES or (isinstance(target, ast.Attribute) and target.attr == "dtype")
        if _device_name(target) != "cpu" and not is_dtype:
            return True
    return any(k.arg == "device" and _device_name(k.value) != "cpu" for k in node.keywords)


class AcceleratorNames(ast.NodeVisitor):
    """Walk a page's statements in order, tracking names bound to values that may be on the accelerator: derived
    from something the page moved there itself (after ``fit``/``predict`` Lightning leaves everything else on the
    CPU); a ``.cpu()`` chain clears them. ``.numpy()`` on such a value is reported through ``report``."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.report = lambda node, receiver: None
        self.skip: set[int] = set()  # .numpy() calls checked by the strict rule already

    def may_be_on_accelerator(self, node: ast.AST) -> bool:
        if _is_cpu_chain(node):
            return False
        return any(
            (isinstance(sub, ast.Call) and _moves(sub))
            or (isinstance(sub, ast.Name) and sub.id in self.names)
            or (isinstance(sub, ast.Attribute) and sub.attr in ON_TRAINING_DEVICE)
            for sub in ast.walk(node)
        )

    def _bind(self, target: ast.AST, on: bool) -> None:
        for name in (n.id for n in ast.walk(target) if isinstance(n, ast.Name)):
            (self.names.add if on else self.names.discard)(name)

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        if (
            isinstance(node.func, ast.Attribute) and node.func.attr == "numpy" and not node.args
            and id(node) not in self.skip and self.may_be_on_accelerator(node.func.value)
        ):
            self.report(node, ast.unparse(node.func.value))

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._bind(target, self.may_be_on_accelerator(node.value))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._bind(node.target, self.may_be_on_accelerator(node.value))

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if self.may_be_on_accelerator(node.value):
            self._bind(node.target, True)

    def visit_Expr(self, node: ast.Expr) -> None:
        self.visit(node.value)
        call = node.value
        if isinstance(call, ast.Call) and _moves(call) and isinstance(call.func, ast.Attribute):
            self._bind(call.func.value, True)  # model.to(device) as a statement: a module moves in place

    def visit_For(self, node: ast.For) -> None:
        self.visit(node.iter)
        self._bind(node.target, self.may_be_on_accelerator(node.iter))
        for statement in node.body + node.orelse:
            self.visit(statement)

    def visit_withitem(self, node: ast.withitem) -> None:
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            self._bind(node.optional_vars, self.may_be_on_accelerator(node.context_expr))


# Trainer attributes whose tensors stay where training logged them (float(...) and .item() are safe; .numpy() not).
ON_TRAINING_DEVICE = {"callback_metrics", "logged_metrics", "progress_bar_metrics"}
TORCH_DTYPES = {f"torch.{name}" for name in dir(torch) if isinstance(getattr(torch, name), torch.dtype)}
TRAINING_TIME = re.compile(r"^(on_\w+|\w*_step|forward|configure_\w+)$")


def _training_time_nodes(tree: ast.AST) -> list[ast.AST]:
    """Functions that run while a Trainer trains: methods named like Lightning hooks, lambdas given as ``on_*=``."""
    nodes: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and TRAINING_TIME.match(node.name):
            nodes.append(node)
        if isinstance(node, ast.Call):
            nodes += [k.value for k in node.keywords if k.arg and k.arg.startswith("on_") and isinstance(k.value, ast.Lambda)]
    return nodes


def _numpy_calls(node: ast.AST) -> Iterator[ast.Call]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "numpy" and not sub.args:
            yield sub


def scan(document: str, examples: list[Example]) -> list[str]:
    """Every finding of one document, as ``path:line: message``. The examples of a page run in one namespace, in
    order, so names flow from one to the next."""
    findings = []
    trees = []
    for example in examples:
        try:
            trees.append((example, ast.parse(example.source)))
        except SyntaxError as err:
            findings.append(f"{example.where}:{example.line}: does not parse as Python: {err}")
    whole = ast.Module(body=[stmt for _, tree in trees for stmt in tree.body], type_ignores=[])
    cpu = CPUNames()
    cpu.visit(whole)
    accelerator = AcceleratorNames()

    def report(example: Example, node: ast.AST, message: str) -> None:
        findings.append(f"{example.where}:{example.line + node.lineno - 1}: {message}")

    for example, tree in trees:
        for line, message in hard_coded_devices(tree):
            findings.append(f"{example.where}:{example.line + line - 1}: {message}")
        is_library = document.startswith("dlkit/") and example.line == 1  # dlkit's code, not a docstring example
        # Strict scopes may receive tensors from anywhere: only known CPU tensors may become numpy arrays. Each
        # .numpy() call is judged with the names of its innermost function (and, in a page, the page's names).
        strict = (
            [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
            if is_library else _training_time_nodes(tree)
        )
        innermost: dict[int, tuple[ast.Call, CPUNames]] = {}
        for scope in strict:
            local = CPUNames()
            if not is_library:
                local.names, local.functions = set(cpu.names), set(cpu.functions)
            local.visit(scope.body if isinstance(scope, ast.Lambda) else scope)
            for call in _numpy_calls(scope):
                innermost[id(call)] = (call, local)
        checked = set(innermost)
        for call, local in innermost.values():
            if not local.is_cpu(call.func.value):
                receiver = ast.unparse(call.func.value)
                report(example, call, f"`{receiver}.numpy()` may see a tensor on an accelerator: write "
                                      f"`{receiver}.cpu().numpy()`")
        # the page's own flow: what it moved to the accelerator must come back before .numpy()
        accelerator.skip = checked
        accelerator.report = lambda call, receiver, example=example: report(
            example, call, f"`{receiver}` may be on the task's device: write `{receiver}.cpu().numpy()`"
        )
        accelerator.visit(tree)
    return sorted(set(findings))


DOCUMENTS = documents()


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_no_example_assumes_the_cpu(document):
    findings = scan(document, DOCUMENTS[document])
    assert not findings, "\n".join(findings)


def test_the_scan_finds_what_it_should():
    def findings(source: str, document: str = "docs/x.md") -> list[str]:
        return scan(document, [Example(document, 1, textwrap.dedent(source))])

    assert findings("x = torch.zeros(3).cuda()")
    assert findings("trainer = make_trainer(accelerator='gpu')")
    assert findings("y = model(x.to('cuda:0'))")
    assert findings("t = torch.ones(2, device='cpu')")
    assert not findings("task = Task.load_from_checkpoint(path, map_location='cpu')")
    assert not findings("ok = torch.cuda.is_available()")
    # .numpy() in a page that moves tensors itself, or in a hook that runs during training
    assert findings("codes = net.encode(x.to(task.device))\nplot(codes.numpy())")
    assert findings("with torch.no_grad():\n    codes = net(x.to(device))\n    plot(codes[0].numpy())")
    assert findings("net.to(device)\nplot(net(x).detach().numpy())")  # a module moves in place
    assert not findings("codes = net(x.to(device))\ncodes = codes.cpu()\nplot(codes.numpy())")
    assert findings("acc = trainer.callback_metrics['val_acc'].numpy()")
    assert not findings("codes = net.encode(x.to(task.device)).cpu()\nplot(codes.numpy())")
    assert not findings("codes = net.encode(x.to(task.device))\nplot(codes.detach().cpu().numpy())")
    assert not findings("x, y = dm.test_set.tensors\ncodes = net.encode(x.to(task.device))\nfit(x.numpy(), y[:5].numpy())")
    hook = "class Keep(Callback):\n    def on_train_epoch_end(self, trainer, module):\n        self.w = module.w.numpy()"
    assert findings(hook)
    assert not findings("predictions = model(x_test)\nscore(predictions.numpy())")  # after fit, on the CPU
    assert findings("def f(x):\n    return x.numpy()", "dlkit/x.py")
    assert not findings("def f(x):\n    return x.detach().cpu().numpy()", "dlkit/x.py")
    assert findings("def f():\n    x = torch.arange(3)\n\ndef g(x):\n    return x.numpy()", "dlkit/x.py")  # per function


# ======================================================================= 2. the virtual accelerator
ACCELERATOR = torch.device("meta")  # what tensors on the virtual accelerator report as their device
_DEVICE_GETTER = torch._C.TensorBase.device.__get__
# Operations that may mix devices on a GPU too: indexing with CPU index tensors, cross-device copies, and
# pack_padded_sequence, whose lengths must be on the CPU.
_MAY_MIX = {"__getitem__", "__setitem__", "copy_", "_pack_padded_sequence", "pack_padded_sequence", "to", "type_as"}


class DeviceError(RuntimeError):
    """What a GPU would have raised."""


def _tensors(obj: Any) -> Iterator[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            yield from _tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors(item)


def _is_accelerator(device: Any) -> bool:
    try:
        return device is not None and not isinstance(device, torch.Tensor) and torch.device(device) == ACCELERATOR
    except (TypeError, RuntimeError):
        return False


class VirtualAccelerator(TorchFunctionMode):
    """Track which tensors are "on the accelerator" and fail, as a GPU would, when code mixes them with CPU tensors.

    Use ``with VirtualAccelerator() as acc:``, then ``acc.place(module)`` (parameters, buffers, metric states and
    Lightning's ``.device``) and ``acc.put(tensor)`` for data; ``acc.on(t)`` says whether ``t`` is there.
    """

    def __init__(self) -> None:
        super().__init__()
        self._on = WeakIdKeyDictionary()
        self._host = WeakIdKeyDictionary()  # tensors that stay on the CPU by design (a PackedSequence's batch_sizes)

    # ---- placing things on the accelerator
    def on(self, obj: Any) -> bool:
        return isinstance(obj, torch.Tensor) and obj in self._on

    def _mark(self, obj: Any) -> Any:
        for tensor in _tensors(obj):
            self._on[tensor] = True
        return obj

    def put(self, tensor: torch.Tensor) -> torch.Tensor:
        return self._mark(tensor.detach().clone().requires_grad_(tensor.requires_grad))

    def place(self, module: torch.nn.Module) -> torch.nn.Module:
        from torchmetrics import Metric

        for tensor in [*module.parameters(), *module.buffers()]:
            self._on[tensor] = True
        for sub in module.modules():
            if hasattr(sub, "_device"):  # Lightning modules and torchmetrics report this as .device
                sub._device = ACCELERATOR
            if isinstance(sub, Metric):
                for state in sub._defaults:
                    self._mark(getattr(sub, state))
        return module

    # ---- the device semantics
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        if func == _DEVICE_GETTER:  # a new method-wrapper object at each access: compare, not `is`
            return ACCELERATOR if self.on(args[0]) else func(*args, **kwargs)
        name = getattr(func, "__name__", "")
        if name == "numpy" and self.on(args[0]):
            raise DeviceError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() first.")
        if name == "cpu":
            result = func(*args, **kwargs)
            return result.view_as(result) if result is args[0] else result  # a new tensor, off the accelerator
        if name == "to":
            return self._to(func, args, kwargs)
        if _is_accelerator(kwargs.get("device")):  # a factory asked for the accelerator
            kwargs["device"] = "cpu"
            return self._mark(func(*args, **kwargs))
        tensors = list(_tensors(args)) + list(_tensors(kwargs))
        on = [t for t in tensors if self.on(t)]
        if on and name not in _MAY_MIX:
            off = [t for t in tensors if not self.on(t) and t.dim() > 0 and t not in self._host]
            if off:
                raise DeviceError(
                    f"Expected all tensors to be on the same device, but {name}() got tensors on the accelerator "
                    f"and CPU tensors of shapes {[tuple(t.shape) for t in off]}"
                )
            generator = kwargs.get("generator")
            if generator is not None and generator.device.type == "cpu":
                raise DeviceError(f"{name}() got a CPU generator for tensors on the accelerator")
        result = func(*args, **kwargs)
        if on and name == "_pack_padded_sequence":  # (data, batch_sizes): batch_sizes stay on the CPU, as on a GPU
            self._host[result[1]] = True
            return self._mark(result[0]), *result[1:]
        return self._mark(result) if on else result

    def _to(self, func, args, kwargs):
        tensor, rest = args[0], list(args[1:])
        target = kwargs.pop("device", None)
        if rest and isinstance(rest[0], torch.Tensor):
            other = rest.pop(0)
            target = ACCELERATOR if self.on(other) else torch.device("cpu")
            kwargs.setdefault("dtype", other.dtype)
        elif rest and isinstance(rest[0], (str, torch.device)):
            target = rest.pop(0)
        if target is None:  # dtype only: stays where it is
            result = func(tensor, *rest, **kwargs)
            return self._mark(result) if self.on(tensor) else result
        result = func(tensor, "cpu", *rest, **kwargs)
        if _is_accelerator(target):
            return self._mark(result if self.on(tensor) or result is not tensor else result.view_as(result))
        return result.view_as(result) if result is tensor and self.on(tensor) else result


@pytest.fixture
def accelerator():
    with VirtualAccelerator() as mode:
        yield mode


def test_the_virtual_accelerator_fails_like_a_gpu(accelerator):
    weight = accelerator.put(torch.randn(3, 3))
    x = accelerator.put(torch.randn(2, 3))
    assert x.device == ACCELERATOR and accelerator.on(x @ weight)
    with pytest.raises(DeviceError, match="same device"):
        torch.randn(2, 3) @ weight  # a CPU tensor meets one on the accelerator
    with pytest.raises(DeviceError, match="numpy"):
        x.numpy()
    assert not accelerator.on(x.cpu()) and x.cpu().numpy().shape == (2, 3)
    assert accelerator.on(torch.arange(3, device=x.device)) and accelerator.on(torch.zeros(3).to(x.device))
    assert accelerator.on(x + torch.tensor(1.0))  # a CPU scalar may meet a GPU tensor
    assert accelerator.on(x[torch.tensor([0])])  # and CPU index tensors may index one


# ------------------------------------------------------------------- networks, tasks and functions there
from dlkit.models.attention import AdditiveAttention, MultiHeadAttention, causal_mask, padding_mask  # noqa: E402
from dlkit.models.autoencoder import Autoencoder  # noqa: E402
from dlkit.models.bert import BERT, BERTClassifier  # noqa: E402
from dlkit.models.cnn import CNN  # noqa: E402
from dlkit.models.densenet import DenseNet  # noqa: E402
from dlkit.models.gan import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator  # noqa: E402
from dlkit.models.gpt import GPT  # noqa: E402
from dlkit.models.inception import Inception  # noqa: E402
from dlkit.models.lenet import LeNet  # noqa: E402
from dlkit.models.mlp import MLP  # noqa: E402
from dlkit.models.resnet import ResNet  # noqa: E402
from dlkit.models.rnn import RecurrentNetwork, RecurrentTextClassifier  # noqa: E402
from dlkit.models.transformer import Seq2SeqTransformer  # noqa: E402
from dlkit.models.vae import VAE  # noqa: E402
from dlkit.models.vgg import VGG  # noqa: E402
from dlkit.models.vit import ViT  # noqa: E402

IMAGES = lambda: (torch.randn(4, 1, 8, 8),)  # noqa: E731
TOKENS = lambda: (torch.randint(1, 12, (3, 8)),)  # noqa: E731
NETWORKS = {
    "MLP": (lambda: MLP(in_features=4, out_features=3, hidden_dims=(8,), dropout=0.1), lambda: (torch.randn(5, 4),)),
    "CNN": (lambda: CNN(channels=(4, 8), hidden_dim=8, dropout=0.1), IMAGES),
    "LeNet": (lambda: LeNet(), IMAGES),
    "VGG": (lambda: VGG(blocks=((1, 4), (1, 8)), hidden_dim=8), IMAGES),
    "ResNet": (lambda: ResNet(channels=(4, 8)), IMAGES),
    "DenseNet": (lambda: DenseNet(block_layers=(2, 2), growth_rate=4, stem_channels=4), IMAGES),
    "Inception": (lambda: Inception(), IMAGES),
    "ViT": (lambda: ViT(d_model=16, num_heads=2, num_layers=1, dropout=0.1), IMAGES),
    "GPT": (lambda: GPT(vocab_size=12, max_len=8, d_model=16, num_heads=2, num_layers=1, dropout=0.1), TOKENS),
    "BERT": (lambda: BERT(vocab_size=12, max_len=8, d_model=16, num_heads=2, num_layers=1, pad_id=0), TOKENS),
    "BERTClassifier": (lambda: BERTClassifier(vocab_size=12, max_len=8, num_classes=2, d_model=16, num_heads=2,
                                              num_layers=1, pad_id=0), TOKENS),
    "Seq2SeqTransformer": (lambda: Seq2SeqTransformer(src_vocab_size=12, tgt_vocab_size=12, d_model=16, num_heads=2,
                                                      num_layers=1), lambda: (torch.randint(1, 12, (3, 6)),) * 2),
    "RecurrentNetwork-lstm": (lambda: RecurrentNetwork(in_features=3, hidden_dim=4, out_features=2, num_layers=2),
                              lambda: (torch.randn(3, 5, 3),)),
    "RecurrentNetwork-gru": (lambda: RecurrentNetwork(in_features=3, hidden_dim=4, out_features=2, cell="gru"),
                             lambda: (torch.randn(3, 5, 3),)),
    "RecurrentTextClassifier": (lambda: RecurrentTextClassifier(vocab_size=12, num_classes=2, bidirectional=True),
                                lambda: (torch.tensor([[3, 4, 5, 0], [6, 7, 0, 0]]),)),
    "Autoencoder": (lambda: Autoencoder(in_features=8, latent_dim=2, hidden_dims=(4,)), lambda: (torch.rand(3, 8),)),
    "VAE": (lambda: VAE(in_features=8, latent_dim=2, hidden_dims=(4,)), lambda: (torch.rand(3, 8),)),
    "MLPGenerator": (lambda: MLPGenerator(latent_dim=4, hidden_dims=(8,), num_classes=3),
                     lambda: (torch.randn(3, 4), torch.tensor([0, 1, 2]))),
    "DCGANGenerator": (lambda: DCGANGenerator(latent_dim=4, base_channels=4), lambda: (torch.randn(3, 4),)),
    "MLPDiscriminator": (lambda: MLPDiscriminator(hidden_dims=(8,), num_classes=3),
                         lambda: (torch.randn(3, 1, 8, 8), torch.tensor([0, 1, 2]))),
    "DCGANDiscriminator": (lambda: DCGANDiscriminator(base_channels=4), lambda: (torch.randn(3, 1, 8, 8),)),
    "MultiHeadAttention": (lambda: MultiHeadAttention(d_model=8, num_heads=2, dropout=0.1),
                           lambda: (torch.randn(2, 5, 8),) * 3),
    "AdditiveAttention": (lambda: AdditiveAttention(query_dim=4, key_dim=6, hidden_dim=5),
                          lambda: (torch.randn(2, 5, 4), torch.randn(2, 7, 6), torch.randn(2, 7, 3))),
}


def _first_tensor(out: Any) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)):
        return _first_tensor(out[0])
    return next(v for v in vars(out).values() if isinstance(v, torch.Tensor))


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_networks_run_on_the_accelerator(accelerator, name, mode):
    make, inputs = NETWORKS[name]
    torch.manual_seed(0)
    net, x = make().train(mode == "train"), inputs()
    torch.manual_seed(1)  # the same dropout masks and sampled codes in both runs
    expected = _first_tensor(net(*x)) if mode == "eval" else None
    net, args = accelerator.place(net), [accelerator.put(t) for t in x]
    torch.manual_seed(1)
    out = _first_tensor(net(*args))
    assert accelerator.on(out), f"{name}: the output left the accelerator"
    if expected is not None:
        torch.testing.assert_close(out.cpu(), expected)


def test_masks_are_made_on_the_device_of_their_input(accelerator):
    lengths = accelerator.put(torch.tensor([2, 4]))
    assert accelerator.on(padding_mask(lengths, 5)) and accelerator.on(causal_mask(5, device=lengths.device))


def test_sampling_and_decoding_stay_on_the_accelerator(accelerator):
    from dlkit.tasks import GANTask, VAETask

    gan = accelerator.place(GANTask(generator=MLPGenerator, discriminator=MLPDiscriminator,
                                    generator_kwargs={"hidden_dims": (8,)}, discriminator_kwargs={"hidden_dims": (8,)}))
    assert accelerator.on(gan.sample(4, seed=0))
    conditional = accelerator.place(DCGANGenerator(latent_dim=4, base_channels=4, num_classes=3).eval())
    assert accelerator.on(conditional.sample(3, labels=[0, 1, 2], seed=1))
    vae = accelerator.place(VAETask(model=VAE, model_kwargs={"in_features": 8, "latent_dim": 2, "hidden_dims": (4,)}))
    assert accelerator.on(vae.sample(3, seed=0))
    gpt = accelerator.place(GPT(vocab_size=12, max_len=8, d_model=16, num_heads=2, num_layers=1).eval())
    assert accelerator.on(gpt.generate(accelerator.put(torch.tensor([[1, 2, 3]])), max_new_tokens=10, top_k=3))
    seq2seq = accelerator.place(Seq2SeqTransformer(src_vocab_size=12, tgt_vocab_size=12, d_model=16, num_heads=2,
                                                   num_layers=1).eval())
    assert accelerator.on(seq2seq.greedy_decode(accelerator.put(torch.randint(3, 12, (2, 5))), bos_id=1, eos_id=2,
                                                max_new_tokens=6))


def test_seeded_sampling_gives_the_same_images_on_any_device(accelerator):
    torch.manual_seed(0)
    net = MLPGenerator(latent_dim=4, hidden_dims=(8,)).eval()
    on_cpu = net.sample(5, seed=3)
    assert not accelerator.on(on_cpu)
    torch.testing.assert_close(accelerator.place(net).sample(5, seed=3).cpu(), on_cpu)


def test_corruptions_follow_their_input(accelerator):
    from dlkit.tasks.autoencoder import add_noise
    from dlkit.tasks.language_model import mask_tokens

    ids = torch.randint(2, 30, (8, 16))
    cpu_masks = mask_tokens(ids, mask_id=1, vocab_size=30, protected_ids=(0, 1), generator=torch.Generator().manual_seed(0))
    device_masks = mask_tokens(accelerator.put(ids), mask_id=1, vocab_size=30, protected_ids=(0, 1),
                               generator=torch.Generator().manual_seed(0))
    for on_cpu, on_device in zip(cpu_masks, device_masks):  # the same masks for a seed, on the input's device
        assert accelerator.on(on_device) and torch.equal(on_device.cpu(), on_cpu)
    x = torch.zeros(4, 8)
    noisy = add_noise(accelerator.put(x), 0.5, seed=0)
    assert accelerator.on(noisy) and torch.equal(noisy.cpu(), add_noise(x, 0.5, seed=0))
    assert accelerator.on(add_noise(accelerator.put(x), 0.5))


def _task_cases():
    from tests.test_options import TASKS

    return TASKS


@pytest.mark.filterwarnings("ignore:You are trying to `self.log\\(\\)`")
@pytest.mark.parametrize(
    "task_name", ["classification", "regression", "causal_lm", "masked_lm", "seq2seq", "autoencoder", "vae"]
)
def test_task_steps_run_on_the_accelerator(accelerator, task_name):
    make, batch = _task_cases()[task_name]
    task = accelerator.place(make(l1=0.01))
    data = batch()
    data = accelerator.put(data) if isinstance(data, torch.Tensor) else tuple(accelerator.put(t) for t in data)
    loss = task.training_step(data, 0)
    assert accelerator.on(loss)
    assert accelerator.on(task.validation_step(data, 0))
    task.on_validation_epoch_end()  # computes the metrics, whose states live on the accelerator too
    out = task.predict_step(data, 0)
    assert accelerator.on(_first_tensor(out))


def test_collect_predictions_moves_inputs_to_the_task_and_returns_cpu_tensors(accelerator):
    from dlkit.metrics import collect_predictions
    from dlkit.tasks import ClassificationTask

    torch.manual_seed(0)
    task = ClassificationTask(
        model=MLP, model_kwargs={"in_features": 4, "out_features": 3, "hidden_dims": (8,)}, num_classes=3
    )
    loader = DataLoader(TensorDataset(torch.randn(10, 4), torch.arange(10) % 3), batch_size=4)  # CPU data
    expected = collect_predictions(task, loader)
    outputs, targets = collect_predictions(accelerator.place(task), loader)
    assert not accelerator.on(outputs) and not accelerator.on(targets)
    assert outputs.numpy().shape == (10, 3)  # usable with numpy and scikit-learn as is
    torch.testing.assert_close((outputs, targets), expected)


def test_callbacks_bring_values_back_to_the_cpu(accelerator):
    from dlkit.callbacks import GradientNormLogger
    from dlkit.tasks import ClassificationTask, GANTask

    task = ClassificationTask(model=MLP, model_kwargs={"in_features": 4, "out_features": 3}, num_classes=3)
    accelerator.place(task)
    for p in task.parameters():
        p.grad = torch.ones_like(p)
        assert accelerator.on(p.grad)
    norms = GradientNormLogger()
    norms.on_train_epoch_start(None, task)
    norms.on_before_optimizer_step(None, task, None)
    norms.on_train_epoch_end(None, task)
    assert all(isinstance(v, float) for v in norms.steps[0].values()) and norms.epochs
    try:
        from dlkit.callbacks import GeneratedSamples
    except ImportError:
        from dlkit.tasks.gan import GeneratedSamples
    gan = accelerator.place(GANTask(generator=MLPGenerator, discriminator=MLPDiscriminator,
                                    generator_kwargs={"hidden_dims": (8,)}, discriminator_kwargs={"hidden_dims": (8,)}))
    samples = GeneratedSamples(num_samples=4)
    samples.on_train_start(None, gan)
    assert not accelerator.on(samples.samples[0]) and samples.samples[0].shape == (4, 1, 8, 8)


def test_reconstruction_error_moves_its_input_to_the_task(accelerator):
    from dlkit.tasks import AutoencoderTask

    task = accelerator.place(AutoencoderTask(model=Autoencoder, model_kwargs={"in_features": 8, "latent_dim": 2}))
    assert accelerator.on(task.reconstruction_error(torch.rand(3, 8)))  # a CPU batch in, the task's device out


# ---------------------------------------------------------------------- what the static rules rely on
def test_lightning_returns_the_task_and_predictions_to_the_cpu(monkeypatch):
    """Pages may call ``.numpy()`` on what a task returns after ``fit``/``test``/``predict``: Lightning's strategy
    moves the module to the CPU when each ends, and the prediction loop moves each batch's outputs to the CPU."""
    import pytorch_lightning.loops.prediction_loop as prediction_loop

    from dlkit.tasks import ClassificationTask
    from dlkit.training import make_trainer

    moved_to = []
    real_move = prediction_loop.move_data_to_device
    monkeypatch.setattr(prediction_loop, "move_data_to_device",
                        lambda data, device: moved_to.append(torch.device(device)) or real_move(data, device))
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(model=MLP, model_kwargs={"in_features": 4, "out_features": 3}, num_classes=3)
    calls = []
    real_cpu = task.cpu
    task.cpu = lambda: calls.append("cpu") or real_cpu()  # the strategy's teardown calls module.cpu()
    loader = DataLoader(TensorDataset(torch.randn(8, 4), torch.arange(8) % 3), batch_size=4)
    trainer = make_trainer(max_epochs=1)
    trainer.fit(task, train_dataloaders=loader, val_dataloaders=loader)
    assert calls == ["cpu"], "after fit, Lightning must move the task back to the CPU"
    trainer.test(task, dataloaders=loader, verbose=False)
    predictions = trainer.predict(task, dataloaders=loader)
    assert calls == ["cpu"] * 3, calls
    assert moved_to == [torch.device("cpu")] * 2 and all(p.device.type == "cpu" for p in predictions)
