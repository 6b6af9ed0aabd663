"""Lightning callbacks that the pages reuse.

- ``History``: every epoch's logged metrics, for learning curves.
- ``GradientNormLogger``: per-parameter gradient norms, for diagnosing vanishing/exploding gradients.
- ``GeneratedSamples``: a generator's images for fixed noise after every epoch, to watch samples improve.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback

__all__ = ["GeneratedSamples", "GradientNormLogger", "History"]


class History(Callback):
    """Record every epoch's logged metrics (``train_loss``, ``val_acc``, ...) for learning curves.

    ``history.epochs`` is a list with one dict per epoch; ``history["val_loss"]`` is that metric per epoch.

    Example:
        >>> from dlkit.callbacks import History
        >>> history = History()
        >>> history.epochs
        []
    """

    def __init__(self) -> None:
        self.epochs: list[dict[str, float]] = []

    # An epoch's metrics are final only after every on_train_epoch_end hook, the LightningModule's included
    # (callbacks run before it): record them when the next epoch starts, or when training ends.
    def _record(self, trainer: pl.Trainer) -> None:
        if len(self.epochs) < trainer.current_epoch:
            self.epochs.append({k: float(v) for k, v in trainer.callback_metrics.items() if v.numel() == 1})

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._record(trainer)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._record(trainer)

    def __getitem__(self, key: str) -> list[float]:
        if self.epochs and key not in self.epochs[-1]:
            raise KeyError(f"Expected one of the logged metrics {sorted(self.epochs[-1])}, but got {key!r}")
        return [epoch[key] for epoch in self.epochs if key in epoch]


class GradientNormLogger(Callback):
    r"""Record the gradient norm $\lVert \nabla_w \mathcal{L} \rVert_p$ of every parameter at every training step.

    The norms are taken just before the optimiser step and **before** gradient clipping
    (``Trainer(gradient_clip_val=...)``), so they show the gradients the loss really produced.

    ``steps`` holds one dict per training step, ``{parameter name: norm, ..., "total": norm of all}``;
    ``epochs`` one dict per epoch with the mean of that epoch's steps; ``logger["net.layers.0.weight"]`` is one
    parameter's norm per step. Names are the module's ``named_parameters()`` names.

    Args:
        norm_type: the $p$ of the norm (``2.0`` is the Euclidean norm).
        weights_only: record only weight matrices and kernels (``ndim > 1``), leaving out biases and norm scales.
        log: also send each norm to the Trainer's logger as ``grad_norm/<name>`` (per step).

    Example:
        >>> import pytorch_lightning as pl
        >>> import torch
        >>> from dlkit.callbacks import GradientNormLogger
        >>> from dlkit.data import ToyDataModule
        >>> from dlkit.tasks import ClassificationTask
        >>> from dlkit.training import make_trainer
        >>> pl.seed_everything(0, verbose=False)
        0
        >>> task = ClassificationTask(
        ...     model="dlkit.models.mlp.MLP", num_classes=3,
        ...     model_kwargs={"in_features": 13, "out_features": 3, "hidden_dims": (8, 8)},
        ... )
        >>> norms = GradientNormLogger()
        >>> make_trainer(max_epochs=2, callbacks=[norms]).fit(task, datamodule=ToyDataModule(name="wine"))
        >>> len(norms.steps), len(norms.epochs)  # 124 training samples in batches of 64: 2 steps per epoch
        (4, 2)
        >>> sorted(norms.steps[0])
        ['net.layers.0.weight', 'net.layers.3.weight', 'net.layers.6.weight', 'total']
        >>> all(norm > 0 for norm in norms["net.layers.0.weight"])
        True
    """

    def __init__(self, *, norm_type: float = 2.0, weights_only: bool = True, log: bool = False) -> None:
        if not isinstance(norm_type, (int, float)) or isinstance(norm_type, bool) or norm_type <= 0:
            raise ValueError(f"Expected a positive norm_type such as 2.0, but got {norm_type!r}")
        self.norm_type = float(norm_type)
        self.weights_only = weights_only
        self.log = log
        self.steps: list[dict[str, float]] = []
        self.epochs: list[dict[str, float]] = []
        self._epoch_start = 0

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._epoch_start = len(self.steps)

    def on_before_optimizer_step(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, optimizer: torch.optim.Optimizer
    ) -> None:
        norms: dict[str, torch.Tensor] = {}
        for name, param in pl_module.named_parameters():
            if param.grad is None or (self.weights_only and param.ndim < 2):
                continue
            norms[name] = torch.linalg.vector_norm(param.grad.detach(), ord=self.norm_type)
        if not norms:
            return
        norms["total"] = torch.linalg.vector_norm(torch.stack(list(norms.values())), ord=self.norm_type)
        values = torch.stack(list(norms.values())).cpu().tolist()  # one device->host copy per step
        record = dict(zip(norms, values))
        self.steps.append(record)
        if self.log:
            pl_module.log_dict({f"grad_norm/{name}": value for name, value in record.items()}, on_step=True, on_epoch=False)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        steps = self.steps[self._epoch_start :]
        if steps:
            self.epochs.append({name: sum(step[name] for step in steps) / len(steps) for name in steps[0]})

    def __getitem__(self, name: str) -> list[float]:
        if self.steps and name not in self.steps[-1]:
            raise KeyError(f"Expected one of the recorded parameters {sorted(self.steps[-1])}, but got {name!r}")
        return [step[name] for step in self.steps if name in step]


class GeneratedSamples(Callback):
    """Keep the generator's images for the same noise (and labels) after every ``every_n_epochs`` epochs.

    ``samples[epoch]`` holds ``(num_samples, C, H, W)`` images on the CPU (epoch 0: before training), so grids
    over training and quality curves compare like with like.

    Args:
        num_samples: images kept per epoch.
        labels: class of each image, for a conditional generator.
        seed: seed of the fixed noise.
        every_n_epochs: keep samples after every n-th epoch (and the last one).

    Example:
        >>> from dlkit.callbacks import GeneratedSamples
        >>> GeneratedSamples(num_samples=16, every_n_epochs=5).samples
        {}
    """

    def __init__(
        self, *, num_samples: int = 64, labels: Sequence[int] | None = None, seed: int = 0, every_n_epochs: int = 1
    ) -> None:
        if every_n_epochs < 1:
            raise ValueError(f"Expected every_n_epochs >= 1, but got {every_n_epochs}")
        if labels is not None and len(labels) != num_samples:
            raise ValueError(f"Expected {num_samples} labels, one per sample, but got {len(labels)}")
        self.num_samples, self.labels, self.seed, self.every_n_epochs = num_samples, labels, seed, every_n_epochs
        self.samples: dict[int, torch.Tensor] = {}

    def _keep(self, pl_module: pl.LightningModule, epoch: int) -> None:  # a GANTask (or any task with sample())
        self.samples[epoch] = pl_module.sample(self.num_samples, labels=self.labels, seed=self.seed).cpu()

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._keep(pl_module, 0)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        epoch = trainer.current_epoch + 1
        if epoch % self.every_n_epochs == 0 or epoch == trainer.max_epochs:
            self._keep(pl_module, epoch)
