import time

import optuna
import torch
from optuna.distributions import CategoricalDistribution, FloatDistribution

from dlkit.data import DigitsDataModule
from dlkit.tasks import ClassificationTask
from dlkit.tuning import TaskObjective

# small batches of 64 pixels: extra threads would only wait on each other
torch.set_num_threads(1)
optuna.logging.set_verbosity(optuna.logging.WARNING)
# 70/10/20, stratified
datamodule = DigitsDataModule(as_images=False, batch_size=64, seed=0)
TASK = {"model": "dlkit.models.mlp.MLP", "num_classes": 10,
        "model_kwargs": {"in_features": 64, "out_features": 10, "hidden_dims": (64,)}}
BUDGET = 8          # trials per method
EPOCHS = 5          # epochs per trial (fewer when a trial is pruned)


def run(sampler, search_space, pruner):
    """One study of BUDGET trials; returns the study and its wall time in seconds."""
    objective = TaskObjective(ClassificationTask, datamodule, search_space,
                              task_kwargs=TASK, monitor="val_acc", max_epochs=EPOCHS)
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
    start = time.perf_counter()
    study.optimize(objective, n_trials=BUDGET)
    return study, time.perf_counter() - start, objective
