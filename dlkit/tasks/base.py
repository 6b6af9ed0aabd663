"""The one training loop of dlkit's tasks, and the small hooks a task fills in.

A task is a ``LightningModule`` around a plain network. ``Task`` saves the constructor's hyperparameters (so
``TaskClass.load_from_checkpoint(path)`` alone rebuilds it), checks and builds the optimiser and learning-rate
scheduler, and logs loss terms once per epoch. ``SupervisedTask`` adds the one loop: the training, validation,
test and predict steps, and the metrics, computed and logged once per epoch. A new task overrides hooks only:

- ``inputs_and_targets(batch, stage, batch_idx)``: what the network reads and what it should output;
- ``loss(outputs, targets)`` (or ``losses(...)``, returning the optimised ``"loss"`` and other terms to log);
- ``make_metrics()``, ``update_metrics(...)``: which torchmetrics, and how they read a batch;
- ``check_outputs(outputs, targets)``: validate (and possibly reshape) the network's outputs;
- ``predictions(outputs)``: outputs as a reader or a metric wants them (probabilities for a classifier);
- ``evaluate(inputs, targets, metrics, stage)``: extra validation/test work (e.g. greedy decoding);
- ``predict(x)``: what ``trainer.predict`` returns for inputs ``x``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import Any

import pytorch_lightning as pl
import torch
from torch import nn
from torchmetrics import Metric, MetricCollection

from dlkit.models import build_model, model_path

__all__ = [
    "Task",
    "SupervisedTask",
    "OPTIMIZERS",
    "SCHEDULERS",
    "STAGES",
    "build_optimizer",
    "build_scheduler",
    "l1_penalty",
]

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}
_WITH_MOMENTUM, _WITH_BETAS = ("sgd", "rmsprop"), ("adam", "adamw")
STAGES = ("train", "val", "test")


def build_optimizer(
    name: str,
    parameters: Any,
    *,
    lr: float,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    betas: tuple[float, float] | None = None,
) -> torch.optim.Optimizer:
    """Build one of the ``OPTIMIZERS`` by name; every option is used or rejected.

    Args:
        name: ``"adam"``, ``"adamw"``, ``"sgd"`` or ``"rmsprop"``.
        parameters: the parameters (or parameter groups) to optimise.
        lr: learning rate, > 0.
        weight_decay: L2 penalty, >= 0 (decoupled for ``"adamw"``).
        momentum: in [0, 1), for ``"sgd"`` and ``"rmsprop"`` only (Adam's momentum is ``betas``).
        betas: Adam's ``(beta1, beta2)`` in [0, 1), for ``"adam"`` and ``"adamw"`` only; ``None``: torch's default.

    Example:
        >>> import torch
        >>> from dlkit.tasks.base import build_optimizer
        >>> opt = build_optimizer("sgd", torch.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
        >>> type(opt).__name__, opt.defaults["momentum"]
        ('SGD', 0.9)
        >>> build_optimizer("adam", torch.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
        Traceback (most recent call last):
        ...
        ValueError: Expected momentum only with 'sgd' or 'rmsprop' (Adam's momentum is betas), but got momentum=0.9 with optimizer='adam'
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"Expected optimizer to be one of {sorted(OPTIMIZERS)}, but got {name!r}")
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not lr > 0:
        raise ValueError(f"Expected a positive learning rate, but got lr={lr!r}")
    if weight_decay < 0:
        raise ValueError(f"Expected weight_decay >= 0, but got {weight_decay}")
    kwargs: dict[str, Any] = {"lr": lr, "weight_decay": weight_decay}
    if name in _WITH_MOMENTUM:
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"Expected momentum in [0, 1), but got {momentum}")
        kwargs["momentum"] = momentum
    elif momentum != 0:
        raise ValueError(
            f"Expected momentum only with 'sgd' or 'rmsprop' (Adam's momentum is betas), "
            f"but got momentum={momentum} with optimizer={name!r}"
        )
    if betas is not None:
        if name not in _WITH_BETAS:
            raise ValueError(f"Expected betas only with 'adam' or 'adamw', but got betas={betas} with optimizer={name!r}")
        if len(betas) != 2 or not all(0.0 <= beta < 1.0 for beta in betas):
            raise ValueError(f"Expected betas = (beta1, beta2), each in [0, 1), but got {betas}")
        kwargs["betas"] = tuple(betas)
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
    r"""The L1 norm of a module's weight matrices and kernels, $\sum |w|$ (biases and norm scales excluded).

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


def _init_parameters(cls: type) -> tuple[set[str], bool]:
    """The named parameters of ``cls.__init__`` (``self`` excluded), and whether it also takes ``**kwargs``."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    named = {p.name for p in parameters if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)} - {"self"}
    return named, any(p.kind is p.VAR_KEYWORD for p in parameters)


def _hyperparameter_names(cls: type) -> tuple[set[str], set[str]]:
    """``(accepted, every)``: the arguments ``cls(...)`` accepts (its own, and its parents' where ``**kwargs`` passes
    them on), and every argument of the ``Task`` constructors in its hierarchy."""
    inits = [klass for klass in cls.__mro__ if "__init__" in vars(klass) and issubclass(klass, Task)]
    accepted: set[str] = set()
    for klass in inits:
        named, passes_on = _init_parameters(klass)
        accepted |= named
        if not passes_on:
            break
    every = set().union(*(_init_parameters(klass)[0] for klass in inits))
    return accepted, every


class Task(pl.LightningModule):
    r"""Root of every dlkit task: hyperparameters saved once, the optimiser and scheduler built once, and loss
    terms logged once per epoch.

    The constructor saves the arguments of the whole constructor chain (Lightning's ``save_hyperparameters()``
    reads them from the call), keeping those the task's own class accepts; network classes are stored as their
    import paths. So ``TaskClass.load_from_checkpoint(path)`` alone rebuilds a task, and a subclass never has to
    remember to save anything. Every option is checked here, at construction, not at the first epoch.

    Args:
        lr: learning rate, > 0.
        optimizer: one of ``OPTIMIZERS``.
        weight_decay: L2 penalty (decoupled for ``"adamw"``).
        momentum: momentum for ``"sgd"`` and ``"rmsprop"``; any other value than 0 with Adam is an error.
        betas: Adam's ``(beta1, beta2)``, for ``"adam"``/``"adamw"`` only; ``None``: torch's default.
        scheduler: ``None`` (constant learning rate) or one of ``SCHEDULERS``: ``"step"``, ``"exponential"``,
            ``"cosine"``, ``"plateau"`` (watches ``val_loss``), ``"warmup"`` (linear warm-up).
        scheduler_kwargs: keyword arguments of the torch scheduler (primitive values), e.g. ``{"T_max": 10}``.
        scheduler_interval: ``"epoch"`` or ``"step"``: when the scheduler steps.

    Example:
        >>> from dlkit.tasks import ClassificationTask
        >>> task = ClassificationTask(
        ...     model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3}, num_classes=3,
        ...     lr=0.1, scheduler="cosine", scheduler_kwargs={"T_max": 10},
        ... )
        >>> config = task.configure_optimizers()
        >>> type(config["lr_scheduler"]["scheduler"]).__name__, config["lr_scheduler"]["interval"]
        ('CosineAnnealingLR', 'epoch')
        >>> task.hparams.num_classes, task.hparams.lr, task.hparams.model  # saved without a call in the subclass
        (3, 0.1, 'dlkit.models.mlp.MLP')
    """

    def __init__(
        self,
        *,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        betas: tuple[float, float] | None = None,
        scheduler: str | None = None,
        scheduler_kwargs: dict[str, Any] | None = None,
        scheduler_interval: str = "epoch",
    ) -> None:
        super().__init__()
        accepted, every = _hyperparameter_names(type(self))
        self.save_hyperparameters(ignore=sorted(every - accepted))  # the arguments of every __init__ in this call
        for name, value in list(self.hparams.items()):
            if isinstance(value, type):  # a network class -> its import path (primitive, loads anywhere)
                self.hparams[name] = model_path(value)
        self.optimizer_options = {
            "name": optimizer, "lr": lr, "weight_decay": weight_decay, "momentum": momentum, "betas": betas,
        }
        # Fail now, not at the first epoch: build the optimiser (and scheduler) once on a throwaway parameter.
        probe = build_optimizer(parameters=[nn.Parameter(torch.zeros(1))], **self.optimizer_options)
        if scheduler_interval not in SCHEDULER_INTERVALS:
            raise ValueError(f"Expected scheduler_interval to be one of {SCHEDULER_INTERVALS}, but got {scheduler_interval!r}")
        if scheduler is None and scheduler_kwargs:
            raise ValueError(f"Expected scheduler_kwargs only with a scheduler, but got {scheduler_kwargs} and scheduler=None")
        if scheduler is not None:
            build_scheduler(scheduler, probe, **(scheduler_kwargs or {}))
        self.scheduler_name, self.scheduler_kwargs = scheduler, dict(scheduler_kwargs or {})
        self.scheduler_interval = scheduler_interval
        self._epoch_sums: dict[str, dict[str, list[Any]]] = {}  # stage -> logged name -> [weighted sum, samples]

    def optimized_parameters(self) -> list[Iterable[nn.Parameter]]:
        """One entry per optimiser: the parameters it steps. One optimiser over everything by default; a GAN
        returns its generator's and its discriminator's."""
        return [self.parameters()]

    def configure_optimizers(self) -> Any:
        optimizers = [build_optimizer(parameters=group, **self.optimizer_options) for group in self.optimized_parameters()]
        if len(optimizers) > 1:
            if self.scheduler_name is not None:
                raise ValueError(f"Expected no scheduler with {len(optimizers)} optimisers, but got {self.scheduler_name!r}")
            return optimizers
        if self.scheduler_name is None:
            return optimizers[0]
        scheduler = build_scheduler(self.scheduler_name, optimizers[0], **self.scheduler_kwargs)
        config = {"scheduler": scheduler, "interval": self.scheduler_interval}
        if self.scheduler_name == "plateau":
            config["monitor"] = "val_loss"
        return {"optimizer": optimizers[0], "lr_scheduler": config}

    # ---- Logging: each term's epoch mean, logged once per epoch. -------------------------------------------------
    # Lightning's self.log costs about 0.3 ms of CPU per call (it moves and updates its own result objects):
    # called for every term at every step, 5% of the digits CNN's training time in bench/trainer_overhead.py.
    # A running sum per term gives the same batch-size-weighted epoch mean for a few tensor additions.
    def log_terms(
        self, terms: Mapping[str, torch.Tensor], *, stage: str, batch_size: int, prefix: bool = True
    ) -> None:
        """Add one batch's terms to the epoch's means, logged at the end of the ``stage`` epoch as
        ``{stage}_{name}`` (or ``name`` with ``prefix=False``), each weighted by the batch size as
        ``self.log(..., on_epoch=True, batch_size=batch_size)`` would."""
        sums = self._epoch_sums.setdefault(stage, {})
        for name, value in terms.items():
            key = f"{stage}_{name}" if prefix else name
            weighted = value.detach().float() * batch_size
            if key in sums:
                sums[key][0] += weighted
                sums[key][1] += batch_size
            else:
                sums[key] = [weighted, batch_size]

    @property
    def distributed(self) -> bool:
        """Whether the task runs in several processes (e.g. ``strategy="ddp"``, ``devices=2``)."""
        return self._trainer is not None and self.trainer.world_size > 1

    def log_epoch(self, stage: str) -> None:
        """Log the means of the ``stage`` epoch's terms (``SupervisedTask`` adds its metrics).

        Under DDP each process sees only its share of the batches, so the sums and sample counts of all
        processes are added up first (one all-reduce): every process then logs the mean over the whole split,
        as torchmetrics' metrics do, and not its own share's mean."""
        sums = self._epoch_sums.pop(stage, {})
        if not sums:
            return
        keys = list(sums)
        totals = torch.stack([sums[key][0] for key in keys])
        counts = torch.tensor([float(sums[key][1]) for key in keys], device=totals.device)
        if self.distributed:
            added = self.trainer.strategy.reduce(torch.cat([totals, counts]), reduce_op="sum")
            totals, counts = added[: len(keys)], added[len(keys) :]
        # sync_dist: the values are already equal in every process; it tells Lightning so (else it warns)
        for key, mean in zip(keys, totals / counts):
            self.log(key, mean, prog_bar=key.endswith("loss"), sync_dist=self.distributed)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Record the task class's import path, so that ``dlkit.deploy.export.load_task(path)`` (and
        ``python -m dlkit serve path``) rebuild the task from the checkpoint file alone."""
        checkpoint["dlkit_task"] = f"{type(self).__module__}.{type(self).__qualname__}"

    def setup(self, stage: str) -> None:
        """Called by the Trainer before fit/validate/test/predict: forget what an interrupted run left behind."""
        self._epoch_sums.clear()

    def on_train_epoch_end(self) -> None:
        self.log_epoch("train")

    def on_validation_epoch_end(self) -> None:
        self.log_epoch("val")

    def on_test_epoch_end(self) -> None:
        self.log_epoch("test")


class SupervisedTask(Task):
    r"""The one loop: a network trained on ``(inputs, targets)`` from each batch, scored by torchmetrics.

    Each step turns the batch into ``(inputs, targets)`` (``inputs_and_targets``), runs the network, checks its
    outputs (``check_outputs``), computes the loss terms (``losses``) and updates the metrics with detached
    outputs (``update_metrics``); validation and test steps may do more (``evaluate``). Loss terms are logged as
    ``{stage}_{name}`` and metrics as ``{stage}_{metric}``, once per epoch. The metrics are built from
    ``make_metrics()`` on first use, after the task is fully constructed, so a hook may read any attribute a
    subclass sets in its ``__init__``.

    Args:
        model: the network class (an ``nn.Module`` subclass) or its import path; stored as the path.
        model_kwargs: keyword arguments of the network's constructor (primitive values).
        l1: weight of the L1 penalty $\lambda \sum |w|$ on weight matrices, added to the training loss
            (the logged ``train_loss`` stays the data loss, comparable with ``val_loss``).
        **task_kwargs: the optimiser and scheduler options of ``Task``: ``lr``, ``optimizer``, ``weight_decay``,
            ``momentum``, ``betas``, ``scheduler``, ``scheduler_kwargs``, ``scheduler_interval``. An unknown name
            is a ``TypeError``, as for any Python call.

    Example:
        >>> import torch
        >>> import torch.nn.functional as F
        >>> from dlkit.tasks.base import SupervisedTask
        >>> class HuberTask(SupervisedTask):  # a whole new task: one loss, no metrics
        ...     def loss(self, outputs, targets):
        ...         return F.huber_loss(outputs.squeeze(1), targets)
        >>> task = HuberTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 3, "out_features": 1}, lr=0.01)
        >>> x, y = torch.zeros(4, 3), torch.zeros(4)
        >>> task.hparams.lr, task.losses(task.network_outputs(x), y)["loss"].shape
        (0.01, torch.Size([]))
    """

    def __init__(
        self,
        *,
        model: str | type[nn.Module],
        model_kwargs: dict[str, Any] | None = None,
        l1: float = 0.0,
        **task_kwargs: Any,
    ) -> None:
        super().__init__(**task_kwargs)
        if l1 < 0:
            raise ValueError(f"Expected l1 >= 0, but got {l1}")
        self.l1 = l1
        self.net = build_model(model, model_kwargs)
        self._metrics_built = False

    # ---- Hooks: a task overrides the ones it needs. ----------------------------------------------------------
    def inputs_and_targets(self, batch: Any, stage: str, batch_idx: int) -> tuple[Any, torch.Tensor]:
        """What the network reads (a tensor, or a tuple of its positional arguments) and the targets."""
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            raise ValueError(f"Expected an (x, y) batch, but got {type(batch).__name__}" + (
                f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else ""))
        return batch[0], batch[1]

    def check_outputs(self, outputs: Any, targets: torch.Tensor) -> Any:
        """Validate (and possibly reshape) the network's outputs against the targets."""
        return outputs

    def loss(self, outputs: Any, targets: torch.Tensor) -> torch.Tensor:
        """The loss to minimise."""
        raise NotImplementedError(f"{type(self).__name__} must define loss(outputs, targets) or losses(outputs, targets)")

    def losses(self, outputs: Any, targets: torch.Tensor) -> dict[str, torch.Tensor]:
        """The terms to log for one batch; ``"loss"`` is the one minimised. Override to log more terms."""
        return {"loss": self.loss(outputs, targets)}

    def make_metrics(self) -> Mapping[str, Metric] | MetricCollection:
        """The torchmetrics to compute per split (cloned for train, val and test). None by default."""
        return {}

    def update_metrics(self, metrics: MetricCollection, outputs: Any, targets: torch.Tensor) -> None:
        """Feed one batch's detached outputs to the metrics."""
        metrics.update(outputs, targets)

    def evaluate(self, inputs: Any, targets: torch.Tensor, metrics: MetricCollection, stage: str) -> None:
        """Extra work on validation and test batches (e.g. decoding and scoring); none by default."""

    def predictions(self, outputs: Any) -> Any:
        """The outputs as a reader or a metric wants them (a classifier: probabilities). The outputs by default."""
        return outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def predict(self, x: Any) -> Any:
        """What ``trainer.predict`` returns for a batch's inputs: the forward pass by default."""
        return self(x)

    # ---- The loop. ------------------------------------------------------------------------------------------
    def network_outputs(self, inputs: Any) -> Any:
        """Run the network on what ``inputs_and_targets`` returned (a tuple is its positional arguments)."""
        return self.net(*inputs) if isinstance(inputs, tuple) else self.net(inputs)

    def split_metrics(self, stage: str) -> MetricCollection:
        """The metrics of one split, ``"train"``, ``"val"`` or ``"test"``, built from ``make_metrics()`` on first use."""
        if not self._metrics_built:
            metrics = self.make_metrics()
            collection = metrics if isinstance(metrics, MetricCollection) else MetricCollection(dict(metrics))
            for split in STAGES:  # registered as submodules, so they follow the task to its device
                setattr(self, f"{split}_metrics", collection.clone(prefix=f"{split}_").to(self.device))
            self._metrics_built = True
        return getattr(self, f"{stage}_metrics")

    def _step(self, batch: Any, stage: str, batch_idx: int) -> torch.Tensor:
        inputs, targets = self.inputs_and_targets(batch, stage, batch_idx)
        outputs = self.check_outputs(self.network_outputs(inputs), targets)
        terms = self.losses(outputs, targets)
        self.log_terms(terms, stage=stage, batch_size=len(targets))
        metrics = self.split_metrics(stage)
        if len(metrics):
            self.update_metrics(metrics, outputs.detach(), targets)  # metrics need no gradient graph
        if stage != "train":
            self.evaluate(inputs, targets, metrics, stage)
        return terms["loss"]

    def setup(self, stage: str) -> None:
        super().setup(stage)
        if self._metrics_built:
            for split in STAGES:
                self.split_metrics(split).reset()

    def log_epoch(self, stage: str) -> None:
        """Log the epoch's loss terms, then its metrics, computed once (logging Metric objects at every step costs
        Lightning about 1 ms per object and step). Metrics no batch updated this epoch (e.g. decoding scores in
        training) are left out."""
        super().log_epoch(stage)
        if not self._metrics_built:
            return
        metrics = self.split_metrics(stage)
        values = {name: metric.compute() for name, metric in metrics.items() if metric.update_count}
        if values:
            # torchmetrics' compute() already added up every process's counts under DDP
            self.log_dict(values, prog_bar=stage != "train", sync_dist=self.distributed)
        metrics.reset()

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        loss = self._step(batch, "train", batch_idx)
        if self.l1 > 0:
            loss = loss + self.l1 * l1_penalty(self.net)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "val", batch_idx)

    def test_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "test", batch_idx)

    def predict_step(self, batch: Any, batch_idx: int) -> Any:
        return self.predict(batch[0] if isinstance(batch, (tuple, list)) else batch)
