"""Classification: cross-entropy on logits, accuracy and macro-F1 per split."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

from dlkit.tasks.base import SupervisedTask

__all__ = ["ClassificationTask"]


class ClassificationTask(SupervisedTask):
    r"""Train a network that outputs one logit per class with the cross-entropy loss
    :math:`\mathcal{L} = -\frac{1}{N}\sum_i \log \operatorname{softmax}(z_i)_{y_i}`.

    Logs ``{train,val,test}_loss``, ``_acc`` (micro accuracy) and ``_f1`` (macro F1) once per epoch.

    Args:
        model: the network class or its import path, e.g. ``"dlkit.models.cnn.CNN"``.
        model_kwargs: the network's keyword arguments.
        num_classes: number of classes (the network must output this many logits).
        lr, optimizer, weight_decay, momentum, scheduler, scheduler_kwargs, scheduler_interval, l1: see
            ``SupervisedTask``.
        label_smoothing: cross-entropy label smoothing in [0, 1).

    Example:
        >>> import torch
        >>> from dlkit.models.mlp import MLP
        >>> from dlkit.tasks import ClassificationTask
        >>> task = ClassificationTask(model=MLP, model_kwargs={"in_features": 4, "out_features": 3}, num_classes=3)
        >>> task.hparams.model
        'dlkit.models.mlp.MLP'
        >>> task(torch.zeros(2, 4)).shape
        torch.Size([2, 3])
    """

    def __init__(
        self,
        *,
        model: str | type[nn.Module],
        model_kwargs: dict[str, Any] | None = None,
        num_classes: int,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        scheduler: str | None = None,
        scheduler_kwargs: dict[str, Any] | None = None,
        scheduler_interval: str = "epoch",
        l1: float = 0.0,
        label_smoothing: float = 0.0,
    ) -> None:
        if num_classes < 2:
            raise ValueError(f"Expected num_classes >= 2, but got {num_classes}")
        self.num_classes = num_classes
        super().__init__(
            model=model, model_kwargs=model_kwargs, lr=lr, optimizer=optimizer,
            weight_decay=weight_decay, momentum=momentum, scheduler=scheduler, scheduler_kwargs=scheduler_kwargs,
            scheduler_interval=scheduler_interval, l1=l1,
        )
        self._store_hyperparameters()

    def make_metrics(self) -> MetricCollection:
        return MetricCollection(
            {
                # check_outputs validates shapes, dtype and class range once per step; torchmetrics' own
                # per-update validation would repeat it at several times the cost of a small network's step.
                "acc": MulticlassAccuracy(num_classes=self.num_classes, average="micro", validate_args=False),
                "f1": MulticlassF1Score(num_classes=self.num_classes, average="macro", validate_args=False),
            }
        )

    def check_outputs(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if outputs.ndim != 2 or outputs.shape[1] != self.num_classes:
            raise ValueError(
                f"Expected logits of shape (N, {self.num_classes}), but the network returned {tuple(outputs.shape)}"
            )
        if y.ndim != 1 or y.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"Expected integer class ids of shape (N,), but got {y.dtype} of shape {tuple(y.shape)}")
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= self.num_classes:
            raise ValueError(f"Expected class ids in [0, {self.num_classes - 1}], but got ids from {low} to {high}")
        return outputs

    def loss(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(outputs, y, label_smoothing=self.hparams.label_smoothing)
