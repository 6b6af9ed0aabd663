"""Reload a trained task safely and export its network: Lightning checkpoints read with ``weights_only=True``,
``torch.export`` programs and ONNX files run by ONNX Runtime.

``torch.load`` unpickles: a pickle can name any importable function and have it called while loading, so a
checkpoint from someone else can run code on your machine. ``weights_only=True`` (torch's default since 2.6, and
what every load in dlkit passes explicitly) allows only tensors and plain Python values; ``load_task`` turns the
refusal into a ``ValueError`` that says what was expected and what the file holds.
"""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["TASK_KEY", "load_checkpoint", "load_task", "task_class_path", "export_onnx", "OnnxPredictor", "max_difference"]

TASK_KEY = "dlkit_task"  # the checkpoint entry naming the task class (written by Task.on_save_checkpoint)


def task_class_path(task_class: type) -> str:
    """The import path of a task class, as stored in its checkpoints under ``TASK_KEY``.

    Example:
        >>> from dlkit.deploy.export import task_class_path
        >>> from dlkit.tasks import ClassificationTask
        >>> task_class_path(ClassificationTask)
        'dlkit.tasks.classification.ClassificationTask'
    """
    return f"{task_class.__module__}.{task_class.__qualname__}"


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with ``torch.load(..., weights_only=True)``, onto the CPU.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is not a checkpoint of tensors and plain values: unpickling it would import or call
            something (a class, a function such as ``os.system``), which ``weights_only=True`` refuses.

    Example:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from dlkit.deploy.export import load_checkpoint
        >>> path = Path(tempfile.mkdtemp()) / "weights.pt"
        >>> torch.save({"state_dict": {"w": torch.ones(2)}, "epoch": 3}, path)
        >>> load_checkpoint(path)["epoch"]
        3
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Expected a checkpoint file, but got no file at {path}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        refused = str(error).split("\n\n")[1].strip() if "\n\n" in str(error) else str(error)
        raise ValueError(
            f"Expected a checkpoint of tensors and plain Python values (read with weights_only=True), but {path} "
            f"holds objects whose unpickling would run code, so it was not loaded. torch said: {refused} "
            "Load it with weights_only=False only if you trust whoever made the file."
        ) from error
    if not isinstance(checkpoint, dict):
        raise ValueError(f"Expected a checkpoint dictionary, but got {type(checkpoint).__name__} in {path}")
    return checkpoint


def _import(path: str) -> Any:
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as error:
        raise ValueError(f"Expected an importable task class, but got {path!r} ({error})") from error


def load_task(path: str | Path, task_class: type | None = None) -> Any:
    """Rebuild a trained dlkit task from its Lightning checkpoint alone, safely, in evaluation mode, on the CPU.

    The checkpoint is read once with ``weights_only=True`` (``load_checkpoint``) to find the task class it names,
    then ``TaskClass.load_from_checkpoint(path, weights_only=True)`` rebuilds the task from its saved
    hyperparameters and weights.

    Args:
        path: a ``.ckpt`` written by ``trainer.save_checkpoint`` or a ``ModelCheckpoint`` callback.
        task_class: the task class; ``None`` reads it from the checkpoint (every dlkit task records it).

    Example:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> import pytorch_lightning as pl
        >>> from dlkit.deploy.export import load_task
        >>> from dlkit.tasks import ClassificationTask
        >>> task = ClassificationTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3},
        ...                           num_classes=3)
        >>> path = Path(tempfile.mkdtemp()) / "task.ckpt"
        >>> trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
        >>> trainer.strategy.connect(task)
        >>> trainer.save_checkpoint(path)
        >>> reloaded = load_task(path)
        >>> type(reloaded).__name__, reloaded.training
        ('ClassificationTask', False)
        >>> torch.equal(reloaded(torch.ones(1, 4)), task.eval()(torch.ones(1, 4)))
        True
    """
    checkpoint = load_checkpoint(path)
    if task_class is None:
        if TASK_KEY not in checkpoint:
            raise ValueError(
                f"Expected a checkpoint naming its task class under {TASK_KEY!r} (any dlkit task's), but got keys "
                f"{sorted(checkpoint)}: pass task_class"
            )
        task_class = _import(checkpoint[TASK_KEY])
    if not (isinstance(task_class, type) and hasattr(task_class, "load_from_checkpoint")):
        raise TypeError(f"Expected a LightningModule class, but got {task_class!r}")
    task = task_class.load_from_checkpoint(path, map_location="cpu", weights_only=True)
    return task.eval()


def export_onnx(network: nn.Module, example: torch.Tensor, path: str | Path) -> Path:
    """Export ``network`` to an ONNX file with the batch dimension dynamic (any number of inputs per call).

    Uses ``torch.onnx.export(..., dynamo=True)``: the network is captured by ``torch.export`` and translated to
    ONNX operators. The network is put in evaluation mode first (dropout off, batch norm's running statistics).

    Args:
        network: the ``nn.Module`` (a task's ``.net``, or the task itself).
        example: an input batch of the shape and dtype the network expects, batch first.
        path: where to write the ``.onnx`` file.

    Example:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from dlkit.deploy.export import OnnxPredictor, export_onnx
        >>> from dlkit.models.mlp import MLP
        >>> net = MLP(in_features=4, out_features=3)
        >>> path = export_onnx(net, torch.zeros(2, 4), Path(tempfile.mkdtemp()) / "mlp.onnx")
        >>> x = torch.randn(5, 4)
        >>> torch.testing.assert_close(torch.from_numpy(OnnxPredictor(path)(x.numpy())), net(x))  # same outputs
    """
    if not isinstance(network, nn.Module):
        raise TypeError(f"Expected an nn.Module, but got {type(network).__name__}")
    if not isinstance(example, torch.Tensor) or example.ndim < 1:
        raise TypeError(f"Expected an example input batch (a tensor, batch first), but got {example!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    network = network.eval()
    if example.shape[0] < 2:  # a batch of 1 would be specialised to a constant
        example = example.expand(2, *example.shape[1:]).contiguous()
    batch = torch.export.Dim("batch")
    with torch.no_grad():
        torch.onnx.export(
            network, (example,), path, dynamo=True, input_names=["x"], output_names=["y"],
            dynamic_shapes=({0: batch},), verbose=False, optimize=True,
        )
    return path


class OnnxPredictor:
    """An ONNX file run by ONNX Runtime on the CPU: ``predictor(x)`` takes and returns NumPy arrays.

    Args:
        path: the ``.onnx`` file (``export_onnx``).
        threads: intra-op threads of ONNX Runtime (``None``: its default, all cores).

    Example:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from dlkit.deploy.export import OnnxPredictor, export_onnx
        >>> from dlkit.models.mlp import MLP
        >>> path = export_onnx(MLP(in_features=4, out_features=3), torch.zeros(2, 4), Path(tempfile.mkdtemp()) / "m.onnx")
        >>> predictor = OnnxPredictor(path)
        >>> predictor.input_shape, predictor(torch.zeros(7, 4).numpy()).shape
        ((4,), (7, 3))
    """

    def __init__(self, path: str | Path, *, threads: int | None = None) -> None:
        import onnxruntime as ort  # optional at import time: only deployment needs it

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"Expected an ONNX file, but got no file at {path}")
        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        (self.input,) = self.session.get_inputs()
        self.input_shape: tuple[int, ...] = tuple(int(d) for d in self.input.shape[1:])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"Expected inputs of shape (N, {', '.join(map(str, self.input_shape))}), but got {x.shape}")
        return self.session.run(None, {self.input.name: x})[0]


def max_difference(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray) -> float:
    """Largest absolute difference between two arrays of the same shape (for printing next to a parity check)."""
    a, b = torch.as_tensor(np.asarray(a)), torch.as_tensor(np.asarray(b))
    if a.shape != b.shape:
        raise ValueError(f"Expected arrays of the same shape, but got {tuple(a.shape)} and {tuple(b.shape)}")
    return float((a.double() - b.double()).abs().max())
