"""Hyperparameter search with Optuna: a task, a data module and a search space become an Optuna objective.

``TaskObjective`` is the whole bridge. Each call trains one configuration (a trial) and returns the validation
metric it reached; with ``prune=True`` it reports that metric after every epoch through Optuna's own Lightning
callback (``optuna_integration.PyTorchLightningPruningCallback``), so the study's pruner can stop a hopeless trial
early. Any Optuna sampler drives it: ``GridSampler`` (grid search), ``RandomSampler`` (random search) or
``TPESampler`` (Bayesian optimisation). ``fit(params)`` retrains a chosen configuration, e.g.
``study.best_params``, to evaluate it once on the test split.

The search space maps each hyperparameter's name to an Optuna distribution (``FloatDistribution``,
``IntDistribution``, ``CategoricalDistribution``) or to a list of values (categorical). Names say where a value
goes:

- ``"model.<name>"``: a keyword argument of the network (``model_kwargs``), e.g. ``"model.dropout"``;
- ``"batch_size"``: the data module's batch size, for this trial only;
- ``"max_epochs"``: the trainer's epoch budget;
- anything else: a keyword argument of the task, e.g. ``"lr"``, ``"optimizer"``, ``"weight_decay"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import optuna
import pytorch_lightning as pl
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from dlkit.training import make_trainer

__all__ = ["TaskObjective"]

_MODEL_PREFIX = "model."


class TaskObjective:
    """An Optuna objective that trains ``task_class`` on ``datamodule`` with each trial's hyperparameters.

    Args:
        task_class: a dlkit task class (e.g. ``ClassificationTask``).
        datamodule: the data module to train and validate on (its test split is never read here).
        search_space: hyperparameter name -> Optuna distribution or list of values (see the module docstring).
        task_kwargs: the task's fixed arguments, e.g. ``model``, ``model_kwargs``, ``num_classes``.
        monitor: the logged validation metric each trial returns (and reports for pruning), e.g. ``"val_acc"``.
        max_epochs: epochs per trial, unless the search space holds ``"max_epochs"``.
        prune: report ``monitor`` after every epoch so the study's pruner can stop the trial.
        seed: every trial starts from this seed (so a configuration trained twice gives the same model).
        trainer_kwargs: more ``make_trainer`` arguments.

    Example:
        >>> import optuna
        >>> from optuna.distributions import FloatDistribution
        >>> from dlkit.data import ToyDataModule
        >>> from dlkit.tasks import ClassificationTask
        >>> from dlkit.tuning import TaskObjective
        >>> objective = TaskObjective(
        ...     ClassificationTask, ToyDataModule(name="wine"),
        ...     {"lr": FloatDistribution(1e-3, 1e-1, log=True), "model.dropout": [0.0, 0.2]},
        ...     task_kwargs={"model": "dlkit.models.mlp.MLP", "num_classes": 3,
        ...                  "model_kwargs": {"in_features": 13, "out_features": 3}},
        ...     monitor="val_acc", max_epochs=2,
        ... )
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=2)
        >>> len(study.trials), sorted(study.best_params)
        (2, ['lr', 'model.dropout'])
        >>> task = objective.fit(study.best_params)   # the chosen configuration, retrained
        >>> task.hparams.model_kwargs["dropout"] == study.best_params["model.dropout"]
        True
    """

    def __init__(
        self,
        task_class: type[pl.LightningModule],
        datamodule: pl.LightningDataModule,
        search_space: Mapping[str, BaseDistribution | Sequence[Any]],
        *,
        task_kwargs: Mapping[str, Any],
        monitor: str = "val_loss",
        max_epochs: int = 10,
        prune: bool = True,
        seed: int = 0,
        trainer_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        if not (isinstance(task_class, type) and issubclass(task_class, pl.LightningModule)):
            raise TypeError(f"Expected a LightningModule subclass as task_class, but got {task_class!r}")
        if not isinstance(search_space, Mapping) or not search_space:
            raise ValueError(f"Expected a non-empty mapping of hyperparameter names to values, but got {search_space!r}")
        self.search_space: dict[str, BaseDistribution] = {}
        for name, space in search_space.items():
            if isinstance(space, BaseDistribution):
                self.search_space[name] = space
            elif isinstance(space, (list, tuple)) and len(space) > 0:
                self.search_space[name] = CategoricalDistribution(list(space))
            else:
                raise TypeError(
                    f"Expected an Optuna distribution or a non-empty list of values for {name!r}, but got {space!r}"
                )
        if "batch_size" in self.search_space and not hasattr(datamodule, "batch_size"):
            raise ValueError(f"Expected a data module with a batch_size to tune, but got {type(datamodule).__name__}")
        if max_epochs < 1:
            raise ValueError(f"Expected max_epochs >= 1, but got {max_epochs}")
        self.task_class, self.datamodule = task_class, datamodule
        self.task_kwargs, self.monitor, self.max_epochs = dict(task_kwargs), monitor, max_epochs
        self.prune, self.seed, self.trainer_kwargs = prune, seed, dict(trainer_kwargs or {})

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """The trial's value for every hyperparameter of the search space, asked from its sampler."""
        params = {}
        for name, space in self.search_space.items():
            if isinstance(space, FloatDistribution):
                params[name] = trial.suggest_float(name, space.low, space.high, log=space.log, step=space.step)
            elif isinstance(space, IntDistribution):
                params[name] = trial.suggest_int(name, space.low, space.high, log=space.log, step=space.step)
            elif isinstance(space, CategoricalDistribution):
                params[name] = trial.suggest_categorical(name, space.choices)
            else:
                raise TypeError(f"Expected a Float, Int or Categorical distribution for {name!r}, but got {space!r}")
        return params

    def fit(
        self, params: Mapping[str, Any], callbacks: Sequence[pl.Callback] = ()
    ) -> pl.LightningModule:
        """Train one configuration from ``self.seed`` and return the trained task (its trainer as ``task.trainer``)."""
        unknown = set(params) - set(self.search_space)
        if unknown:
            raise ValueError(f"Expected hyperparameters of the search space {sorted(self.search_space)}, but got {sorted(unknown)}")
        task_kwargs = dict(self.task_kwargs)
        model_kwargs = dict(task_kwargs.pop("model_kwargs", None) or {})
        max_epochs, batch_size = self.max_epochs, None
        for name, value in params.items():
            if name.startswith(_MODEL_PREFIX):
                model_kwargs[name.removeprefix(_MODEL_PREFIX)] = value
            elif name == "batch_size":
                batch_size = int(value)
            elif name == "max_epochs":
                max_epochs = int(value)
            else:
                task_kwargs[name] = value
        pl.seed_everything(self.seed, verbose=False)
        task = self.task_class(model_kwargs=model_kwargs, **task_kwargs)
        trainer = make_trainer(max_epochs=max_epochs, callbacks=list(callbacks), **self.trainer_kwargs)
        saved_batch_size = getattr(self.datamodule, "batch_size", None)
        try:
            if batch_size is not None:
                self.datamodule.batch_size = batch_size
            trainer.fit(task, datamodule=self.datamodule)
        finally:
            if batch_size is not None:
                self.datamodule.batch_size = saved_batch_size
        if self.monitor not in trainer.callback_metrics:
            raise ValueError(
                f"Expected the task to log {self.monitor!r}, but it logged {sorted(trainer.callback_metrics)}"
            )
        return task

    def __call__(self, trial: optuna.Trial) -> float:
        from optuna_integration import PyTorchLightningPruningCallback  # imports lightning: only when tuning

        params = self.suggest(trial)
        callbacks = [PyTorchLightningPruningCallback(trial, monitor=self.monitor)] if self.prune else []
        task = self.fit(params, callbacks)
        trial.set_user_attr("epochs", task.trainer.current_epoch)  # epochs trained (fewer when pruned)
        return float(task.trainer.callback_metrics[self.monitor])
