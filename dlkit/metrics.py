"""Collect a trained task's predictions and the matching targets, ready for torchmetrics or scikit-learn.

Metrics need two aligned arrays: what the model predicted and what was true. ``collect_predictions`` runs a
task over a dataloader of ``(x, y)`` batches on whatever device the task lives on (CPU or GPU) and returns both,
concatenated, on the CPU.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from dlkit.tasks.base import SupervisedTask

__all__ = ["collect_predictions"]


def collect_predictions(task: SupervisedTask, dataloader: Iterable[Any]) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``task`` over every ``(x, y)`` batch of ``dataloader``; return ``(outputs, targets)`` on the CPU.

    The task runs in evaluation mode (dropout off, batch norm with its running statistics) and without
    gradients; its previous mode is restored afterwards. Inputs are moved to the task's device, so the same
    call works on a CPU and on a GPU.

    The task decides what ``outputs`` are, with its ``predictions`` hook applied to the network's checked outputs:

    - ``ClassificationTask``: class probabilities, the softmax of the logits, shape ``(N, num_classes)``;
      ``targets`` are the class ids, shape ``(N,)``.
    - ``RegressionTask``: the predicted values, shape ``(N,)`` for one output per sample.
    - other tasks: see their ``predictions`` (language models: token probabilities ``(N, T, vocab_size)``).

    Args:
        task: a dlkit task (``ClassificationTask``, ``RegressionTask``, ...).
        dataloader: yields ``(x, y)`` batches, e.g. ``datamodule.test_dataloader()``.

    Returns:
        ``(outputs, targets)``, both with the samples in the dataloader's order.

    Raises:
        TypeError: ``task`` is not a dlkit ``SupervisedTask``.
        ValueError: a batch is not an ``(x, y)`` pair of tensors, or the dataloader is empty.

    Example:
        >>> import torch
        >>> from torch.utils.data import DataLoader, TensorDataset
        >>> from dlkit.metrics import collect_predictions
        >>> from dlkit.models.mlp import MLP
        >>> from dlkit.tasks import ClassificationTask
        >>> task = ClassificationTask(model=MLP, model_kwargs={"in_features": 4, "out_features": 3}, num_classes=3)
        >>> loader = DataLoader(TensorDataset(torch.randn(10, 4), torch.arange(10) % 3), batch_size=4)
        >>> probabilities, targets = collect_predictions(task, loader)
        >>> tuple(probabilities.shape), tuple(targets.shape)
        ((10, 3), (10,))
        >>> torch.allclose(probabilities.sum(dim=1), torch.ones(10))
        True
    """
    if not isinstance(task, SupervisedTask):
        raise TypeError(f"Expected a dlkit SupervisedTask (e.g. ClassificationTask), but got {type(task).__name__}")
    was_training = task.training
    task.eval()
    outputs: list[torch.Tensor] = []
    targets: list[torch.Tensor] = []
    try:
        with torch.no_grad():
            for index, batch in enumerate(dataloader):
                if not (isinstance(batch, (tuple, list)) and len(batch) == 2 and all(torch.is_tensor(t) for t in batch)):
                    raise ValueError(
                        f"Expected every batch to be an (x, y) pair of tensors, but batch {index} is "
                        f"{type(batch).__name__}" + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
                    )
                batch = (batch[0].to(task.device), batch[1].to(task.device))
                inputs, batch_targets = task.inputs_and_targets(batch, "predict", index)
                batch_outputs = task.check_outputs(task.network_outputs(inputs), batch_targets)
                outputs.append(task.predictions(batch_outputs).cpu())  # e.g. logits -> probabilities
                targets.append(batch_targets.cpu())
    finally:
        task.train(was_training)
    if not outputs:
        raise ValueError("Expected a dataloader with at least one batch, but got an empty one")
    return torch.cat(outputs), torch.cat(targets)
