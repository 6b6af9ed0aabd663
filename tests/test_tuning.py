"""TaskObjective: the search space routed to the network, data module, trainer and task; pruning; clear errors."""

from __future__ import annotations

import optuna
import pytest
import torch
from optuna.distributions import FloatDistribution, IntDistribution

from dlkit.data import ToyDataModule
from dlkit.tasks import ClassificationTask
from dlkit.tuning import TaskObjective

TASK = {"model": "dlkit.models.mlp.MLP", "num_classes": 3, "model_kwargs": {"in_features": 13, "out_features": 3}}
optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(space, **kwargs):
    return TaskObjective(ClassificationTask, ToyDataModule(name="wine", batch_size=16), space,
                         task_kwargs=TASK, monitor="val_acc", max_epochs=1, **kwargs)


def test_names_route_to_network_data_trainer_and_task():
    obj = objective({"model.dropout": [0.3], "batch_size": [8], "max_epochs": IntDistribution(2, 2),
                     "lr": FloatDistribution(0.01, 0.01), "optimizer": ["sgd"]})
    seen = {}
    original = obj.datamodule.train_dataloader

    def spy():
        loader = original()
        seen["batch"] = len(next(iter(loader))[0])
        return loader

    obj.datamodule.train_dataloader = spy
    task = obj.fit({"model.dropout": 0.3, "batch_size": 8, "max_epochs": 2, "lr": 0.01, "optimizer": "sgd"})
    assert task.hparams.model_kwargs == {"in_features": 13, "out_features": 3, "dropout": 0.3}
    assert task.hparams.lr == 0.01 and task.hparams.optimizer == "sgd"
    assert task.trainer.current_epoch == 2 and seen["batch"] == 8
    assert obj.datamodule.batch_size == 16  # restored after the trial


def test_same_params_same_model():
    obj = objective({"lr": [0.01]})
    first, second = obj.fit({"lr": 0.01}), obj.fit({"lr": 0.01})
    for a, b in zip(first.parameters(), second.parameters()):
        torch.testing.assert_close(a, b)


def test_study_runs_and_a_pruner_prunes():
    class AlwaysPrune(optuna.pruners.BasePruner):
        def prune(self, study, trial):
            return True

    obj = objective({"lr": FloatDistribution(1e-3, 1e-1, log=True)}, trainer_kwargs={})
    obj.max_epochs = 3
    study = optuna.create_study(direction="maximize", pruner=AlwaysPrune(),
                                sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(obj, n_trials=2)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.PRUNED] * 2
    assert [len(t.intermediate_values) for t in study.trials] == [1, 1]  # stopped after the first epoch
    unpruned = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner())
    unpruned.optimize(obj, n_trials=1)
    assert unpruned.trials[0].state == optuna.trial.TrialState.COMPLETE
    assert unpruned.trials[0].user_attrs["epochs"] == 3 and 0.0 <= unpruned.best_value <= 1.0


def test_bad_input_is_a_clear_error():
    with pytest.raises(TypeError, match="Expected a LightningModule subclass as task_class, but got 'nope'"):
        TaskObjective("nope", ToyDataModule(name="wine"), {"lr": [0.1]}, task_kwargs=TASK)
    with pytest.raises(ValueError, match="Expected a non-empty mapping"):
        objective({})
    with pytest.raises(TypeError, match="Expected an Optuna distribution or a non-empty list of values for 'lr', but got 0.1"):
        objective({"lr": 0.1})
    with pytest.raises(ValueError, match="Expected max_epochs >= 1, but got 0"):
        TaskObjective(ClassificationTask, ToyDataModule(name="wine"), {"lr": [0.1]}, task_kwargs=TASK, max_epochs=0)
    with pytest.raises(ValueError, match=r"Expected hyperparameters of the search space \['lr'\], but got \['dropout'\]"):
        objective({"lr": [0.1]}).fit({"dropout": 0.1})
    with pytest.raises(ValueError, match="Expected the task to log 'val_accuracy', but it logged"):
        TaskObjective(ClassificationTask, ToyDataModule(name="wine"), {"lr": [0.1]}, task_kwargs=TASK,
                      monitor="val_accuracy", max_epochs=1).fit({"lr": 0.1})
