"""What every supervised task shares: building the network, the train/val/test steps, logging, the optimiser.

A task is a ``LightningModule`` around a plain network. It takes primitive keyword-only hyperparameters and
saves them, so ``TaskClass.load_from_checkpoint(path)`` alone rebuilds the task and its network.
"""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
from torch import nn
from torchmetrics import MetricCollection

from dlkit.models import build_model, model_path

__all__ = ["SupervisedTask", "OPTIMIZERS", "build_optimizer"]

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


def build_optimizer(
    name: str, parameters: Any, *, lr: float, weight_decay: float = 0.0, momentum: float = 0.0
) -> torch.optim.Optimizer:
    """Build one of the ``OPTIMIZERS`` by name.

    Example:
        >>> import torch
        >>> from dlkit.tasks.base import build_optimizer
        >>> opt = build_optimizer("sgd", torch.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
        >>> type(opt).__name__, opt.defaults["momentum"]
        ('SGD', 0.9)
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"Expected optimizer to be one of {sorted(OPTIMIZERS)}, but got {name!r}")
    if lr <= 0:
        raise ValueError(f"Expected a positive learning rate, but got lr={lr}")
    kwargs: dict[str, Any] = {"lr": lr, "weight_decay": weight_decay}
    if name in ("sgd", "rmsprop"):
        kwargs["momentum"] = momentum
    return OPTIMIZERS[name](parameters, **kwargs)


class SupervisedTask(pl.LightningModule):
    """Base class of the supervised tasks: subclasses define the loss, the metrics and how outputs are checked.

    Args:
        model: the network class (an ``nn.Module`` subclass) or its import path; stored as the path.
        model_kwargs: keyword arguments of the network's constructor (primitive values).
        lr: learning rate.
        optimizer: one of ``OPTIMIZERS``.
        weight_decay: L2 penalty (decoupled for ``"adamw"``).
        momentum: momentum for ``"sgd"`` and ``"rmsprop"``.
    """

    def __init__(
        self,
        *,
        model: str | type[nn.Module],
        model_kwargs: dict[str, Any] | None = None,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        momentum: float = 0.0,
    ) -> None:
        super().__init__()
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"Expected optimizer to be one of {sorted(OPTIMIZERS)}, but got {optimizer!r}")
        self.net = build_model(model, model_kwargs)
        metrics = self.make_metrics()
        self.train_metrics = metrics.clone(prefix="train_")
        self.val_metrics = metrics.clone(prefix="val_")
        self.test_metrics = metrics.clone(prefix="test_")

    def _store_hyperparameters(self) -> None:
        """Called by subclasses: saves the constructor arguments, with the network class as its import path."""
        self.save_hyperparameters()
        self.hparams["model"] = model_path(self.hparams["model"])

    # Subclasses fill these in.
    def make_metrics(self) -> MetricCollection:
        raise NotImplementedError

    def loss(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def check_outputs(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Validate (and possibly reshape) the network's outputs against the targets."""
        return outputs

    # The network's forward pass, and one step shared by the three splits.
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def _step(self, batch: tuple[torch.Tensor, torch.Tensor], stage: str, metrics: MetricCollection) -> torch.Tensor:
        x, y = batch
        outputs = self.check_outputs(self(x), y)
        loss = self.loss(outputs, y)
        metrics.update(outputs, y)
        self.log(f"{stage}_loss", loss, on_step=False, on_epoch=True, prog_bar=True, batch_size=len(y))
        self.log_dict(metrics, on_step=False, on_epoch=True, prog_bar=stage != "train")
        return loss

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train", self.train_metrics)

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "val", self.val_metrics)

    def test_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "test", self.test_metrics)

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self(x)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        hp = self.hparams
        return build_optimizer(
            hp.optimizer, self.parameters(), lr=hp.lr, weight_decay=hp.weight_decay, momentum=hp.momentum
        )
