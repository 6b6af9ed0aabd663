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

__all__ = ["SupervisedTask", "OPTIMIZERS", "SCHEDULERS", "build_optimizer", "build_scheduler", "l1_penalty"]

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


# name -> (scheduler class, default keyword arguments). "warmup" ramps the learning rate up linearly.
SCHEDULERS: dict[str, tuple[type, dict[str, Any]]] = {
    "step": (torch.optim.lr_scheduler.StepLR, {"step_size": 10, "gamma": 0.1}),
    "exponential": (torch.optim.lr_scheduler.ExponentialLR, {"gamma": 0.9}),
    "cosine": (torch.optim.lr_scheduler.CosineAnnealingLR, {"T_max": 10}),
    "plateau": (torch.optim.lr_scheduler.ReduceLROnPlateau, {"factor": 0.1, "patience": 5}),
    "warmup": (torch.optim.lr_scheduler.LinearLR, {"start_factor": 0.1, "total_iters": 5}),
}
SCHEDULER_INTERVALS = ("epoch", "step")


def build_scheduler(name: str, optimizer: torch.optim.Optimizer, **kwargs: Any) -> Any:
    """Build one of the ``SCHEDULERS`` by name; ``kwargs`` override its defaults.

    Example:
        >>> import torch
        >>> from dlkit.tasks.base import build_scheduler
        >>> opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=1.0)
        >>> scheduler = build_scheduler("step", opt, step_size=2, gamma=0.5)
        >>> for _ in range(4):
        ...     opt.step()
        ...     scheduler.step()
        >>> opt.param_groups[0]["lr"]
        0.25
    """
    if name not in SCHEDULERS:
        raise ValueError(f"Expected scheduler to be one of {sorted(SCHEDULERS)}, but got {name!r}")
    cls, defaults = SCHEDULERS[name]
    try:
        return cls(optimizer, **{**defaults, **kwargs})
    except TypeError as err:
        raise ValueError(f"Expected keyword arguments of {cls.__name__} for scheduler {name!r}, but got {kwargs}: {err}") from err


def l1_penalty(module: nn.Module) -> torch.Tensor:
    r"""The L1 norm of a module's weight matrices and kernels, :math:`\sum |w|` (biases and norm scales excluded).

    Example:
        >>> import torch
        >>> from dlkit.tasks.base import l1_penalty
        >>> layer = torch.nn.Linear(2, 1)
        >>> with torch.no_grad():
        ...     _ = layer.weight.copy_(torch.tensor([[1.0, -2.0]]))
        >>> l1_penalty(layer)
        tensor(3., grad_fn=<AddBackward0>)
    """
    weights = [p for p in module.parameters() if p.ndim > 1]
    total = torch.zeros((), device=weights[0].device) if weights else torch.zeros(())
    for weight in weights:
        total = total + weight.abs().sum()
    return total


class SupervisedTask(pl.LightningModule):
    r"""Base class of the supervised tasks: subclasses define the loss, the metrics and how outputs are checked.

    Args:
        model: the network class (an ``nn.Module`` subclass) or its import path; stored as the path.
        model_kwargs: keyword arguments of the network's constructor (primitive values).
        lr: learning rate.
        optimizer: one of ``OPTIMIZERS``.
        weight_decay: L2 penalty (decoupled for ``"adamw"``).
        momentum: momentum for ``"sgd"`` and ``"rmsprop"``.
        scheduler: ``None`` (constant learning rate) or one of ``SCHEDULERS``: ``"step"``, ``"exponential"``,
            ``"cosine"``, ``"plateau"`` (watches ``val_loss``), ``"warmup"`` (linear warm-up).
        scheduler_kwargs: keyword arguments of the torch scheduler (primitive values), e.g. ``{"T_max": 10}``.
        scheduler_interval: ``"epoch"`` or ``"step"``: when the scheduler steps.
        l1: weight of the L1 penalty :math:`\lambda \sum |w|` on weight matrices, added to the training loss
            (the logged ``train_loss`` stays the data loss, comparable with ``val_loss``).

    Example:
        >>> from dlkit.tasks import ClassificationTask
        >>> task = ClassificationTask(
        ...     model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3}, num_classes=3,
        ...     lr=0.1, scheduler="cosine", scheduler_kwargs={"T_max": 10}, l1=1e-4,
        ... )
        >>> config = task.configure_optimizers()
        >>> type(config["lr_scheduler"]["scheduler"]).__name__, config["lr_scheduler"]["interval"]
        ('CosineAnnealingLR', 'epoch')
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
        scheduler: str | None = None,
        scheduler_kwargs: dict[str, Any] | None = None,
        scheduler_interval: str = "epoch",
        l1: float = 0.0,
    ) -> None:
        super().__init__()
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"Expected optimizer to be one of {sorted(OPTIMIZERS)}, but got {optimizer!r}")
        if weight_decay < 0:
            raise ValueError(f"Expected weight_decay >= 0, but got {weight_decay}")
        if l1 < 0:
            raise ValueError(f"Expected l1 >= 0, but got {l1}")
        if scheduler_interval not in SCHEDULER_INTERVALS:
            raise ValueError(f"Expected scheduler_interval to be one of {SCHEDULER_INTERVALS}, but got {scheduler_interval!r}")
        if scheduler is None and scheduler_kwargs:
            raise ValueError(f"Expected scheduler_kwargs only with a scheduler, but got {scheduler_kwargs} and scheduler=None")
        if scheduler is not None:  # fail now, not at the first epoch: build it once on a throwaway optimiser
            build_scheduler(scheduler, torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0), **(scheduler_kwargs or {}))
        self.scheduler_name, self.scheduler_kwargs = scheduler, dict(scheduler_kwargs or {})
        self.scheduler_interval, self.l1 = scheduler_interval, l1
        self.net = build_model(model, model_kwargs)
        self._metrics_to_log: dict[str, MetricCollection] = {}
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
        metrics.update(outputs.detach(), y)  # metrics need no gradient graph
        self.log(f"{stage}_loss", loss, on_step=False, on_epoch=True, prog_bar=True, batch_size=len(y))
        self._metrics_to_log[stage] = metrics  # logged once per epoch, by _log_epoch_metrics
        return loss

    def _log_epoch_metrics(self, stage: str) -> None:
        # Logging Metric objects at every step costs Lightning about 1 ms per object and step (it moves their
        # state); computing them once at the end of the epoch gives the same numbers.
        metrics = self._metrics_to_log.pop(stage, None)
        if metrics is not None:
            self.log_dict(metrics.compute(), prog_bar=stage != "train")
            metrics.reset()

    def on_train_epoch_end(self) -> None:
        self._log_epoch_metrics("train")

    def on_validation_epoch_end(self) -> None:
        self._log_epoch_metrics("val")

    def on_test_epoch_end(self) -> None:
        self._log_epoch_metrics("test")

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self._step(batch, "train", self.train_metrics)
        if self.l1 > 0:
            loss = loss + self.l1 * l1_penalty(self.net)
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "val", self.val_metrics)

    def test_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "test", self.test_metrics)

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self(x)

    def configure_optimizers(self) -> Any:
        hp = self.hparams
        optimizer = build_optimizer(
            hp.optimizer, self.parameters(), lr=hp.lr, weight_decay=hp.weight_decay, momentum=hp.momentum
        )
        if self.scheduler_name is None:
            return optimizer
        scheduler = build_scheduler(self.scheduler_name, optimizer, **self.scheduler_kwargs)
        config = {"scheduler": scheduler, "interval": self.scheduler_interval}
        if self.scheduler_name == "plateau":
            config["monitor"] = "val_loss"
        return {"optimizer": optimizer, "lr_scheduler": config}
