"""Classification: cross-entropy on logits (optionally weighted per class), accuracy and macro-F1 per split."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import Metric
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

from dlkit.tasks.base import SupervisedTask

__all__ = ["ClassificationTask"]


class ClassificationTask(SupervisedTask):
    r"""Train a network that outputs one logit per class with the cross-entropy loss
    $\mathcal{L} = -\frac{1}{N}\sum_i \log \operatorname{softmax}(z_i)_{y_i}$.

    Logs ``{train,val,test}_loss``, ``_acc`` (micro accuracy) and ``_f1`` (macro F1) once per epoch.
    ``trainer.predict`` returns the logits; ``predictions(logits)`` (used by ``dlkit.metrics.collect_predictions``)
    the class probabilities.

    Args:
        num_classes: number of classes (the network must output this many logits).
        label_smoothing: cross-entropy label smoothing in [0, 1).
        class_weights: one positive weight per class for the cross-entropy,
            $\mathcal{L} = -\sum_i w_{y_i} \log \operatorname{softmax}(z_i)_{y_i} / \sum_i w_{y_i}$ (torch's
            ``weight=``); ``None``: every class weighs 1. Weighting a rare class up makes missing it cost more,
            the usual fix for imbalanced data (e.g. ``n_samples / (num_classes * count_per_class)``). The logged
            losses are the weighted ones; accuracy and F1 are not weighted.
        **task_kwargs: ``model``, ``model_kwargs``, ``l1`` and the optimiser options: see ``SupervisedTask``.

    Example:
        >>> import torch
        >>> from dlkit.models.mlp import MLP
        >>> from dlkit.tasks import ClassificationTask
        >>> task = ClassificationTask(model=MLP, model_kwargs={"in_features": 4, "out_features": 3}, num_classes=3)
        >>> task.hparams.model
        'dlkit.models.mlp.MLP'
        >>> logits = task(torch.zeros(2, 4))
        >>> logits.shape, torch.allclose(task.predictions(logits).sum(dim=1), torch.ones(2))  # probabilities
        (torch.Size([2, 3]), True)

        A rare class 1 that costs nine times as much to miss:

        >>> weighted = ClassificationTask(
        ...     model=MLP, model_kwargs={"in_features": 4, "out_features": 2}, num_classes=2, class_weights=[1.0, 9.0]
        ... )
        >>> weighted.class_weights.tolist(), weighted.hparams.class_weights
        ([1.0, 9.0], [1.0, 9.0])
        >>> ClassificationTask(
        ...     model=MLP, model_kwargs={"in_features": 4, "out_features": 2}, num_classes=2, class_weights=[1.0]
        ... )
        Traceback (most recent call last):
        ...
        ValueError: Expected class_weights with one positive number per class (2), but got [1.0]
    """

    def __init__(
        self,
        *,
        num_classes: int,
        label_smoothing: float = 0.0,
        class_weights: Sequence[float] | None = None,
        **task_kwargs: Any,
    ) -> None:
        if num_classes < 2:
            raise ValueError(f"Expected num_classes >= 2, but got {num_classes}")
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"Expected label_smoothing in [0, 1), but got {label_smoothing}")
        weights = _check_class_weights(class_weights, num_classes)
        super().__init__(**task_kwargs)
        self.num_classes, self.label_smoothing = num_classes, label_smoothing
        # A buffer follows the task to its device; not saved in checkpoints (the hyperparameters rebuild it).
        self.register_buffer("class_weights", weights, persistent=False)

    def make_metrics(self) -> dict[str, Metric]:
        # check_outputs validates shapes, dtype and class range once per step; torchmetrics' own per-update
        # validation would repeat it at several times the cost of a small network's step.
        return {
            "acc": MulticlassAccuracy(num_classes=self.num_classes, average="micro", validate_args=False),
            "f1": MulticlassF1Score(num_classes=self.num_classes, average="macro", validate_args=False),
        }

    def check_outputs(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if outputs.ndim != 2 or outputs.shape[1] != self.num_classes:
            raise ValueError(
                f"Expected logits of shape (N, {self.num_classes}), but the network returned {tuple(outputs.shape)}"
            )
        if y.ndim != 1 or y.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"Expected integer class ids of shape (N,), but got {y.dtype} of shape {tuple(y.shape)}")
        low, high = torch.aminmax(y)
        if low < 0 or high >= self.num_classes:
            raise ValueError(f"Expected class ids in [0, {self.num_classes - 1}], but got ids from {int(low)} to {int(high)}")
        return outputs

    def loss(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(outputs, y, weight=self.class_weights, label_smoothing=self.label_smoothing)

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        """Class probabilities: the softmax of the logits, ``(N, num_classes)``."""
        return outputs.softmax(dim=1)


def _check_class_weights(class_weights: Sequence[float] | None, num_classes: int) -> torch.Tensor | None:
    """``class_weights`` as a float tensor, after checking it holds ``num_classes`` positive finite numbers."""
    if class_weights is None:
        return None
    if not isinstance(class_weights, (list, tuple)):
        raise TypeError(
            f"Expected class_weights as a list or tuple of {num_classes} numbers (primitive, so the "
            f"hyperparameters save it), but got {type(class_weights).__name__}"
        )
    numbers = all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in class_weights)
    if len(class_weights) != num_classes or not numbers or not all(math.isfinite(w) and w > 0 for w in class_weights):
        raise ValueError(
            f"Expected class_weights with one positive number per class ({num_classes}), but got {list(class_weights)}"
        )
    return torch.tensor([float(w) for w in class_weights])
