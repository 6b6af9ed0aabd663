"""Learning-rate schedules through dlkit's tasks: every name builds, steps as torch says, and bad input is clear."""

import math

import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import LambdaCallback

from dlkit.data import ToyDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask, RegressionTask
from dlkit.tasks.base import SCHEDULERS, build_scheduler
from dlkit.training import make_trainer
from tests.helpers import assert_checkpoint_round_trip

WINE = {"in_features": 13, "out_features": 3, "hidden_dims": (8,)}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_every_scheduler_is_configured(name):
    task = ClassificationTask(model=MLP, model_kwargs=WINE, num_classes=3, scheduler=name)
    config = task.configure_optimizers()
    assert isinstance(config["lr_scheduler"]["scheduler"], SCHEDULERS[name][0])
    assert config["lr_scheduler"]["interval"] == "epoch"
    assert ("monitor" in config["lr_scheduler"]) == (name == "plateau")


def test_no_scheduler_keeps_the_plain_optimizer():
    task = RegressionTask(model=MLP, model_kwargs={"in_features": 2, "out_features": 1})
    assert isinstance(task.configure_optimizers(), torch.optim.Adam)


def test_cosine_schedule_follows_the_formula_during_fit():
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(
        model=MLP, model_kwargs=WINE, num_classes=3, lr=0.1, optimizer="sgd",
        scheduler="cosine", scheduler_kwargs={"T_max": 4},
    )
    lrs = []
    record = LambdaCallback(on_train_epoch_start=lambda trainer, module: lrs.append(trainer.optimizers[0].param_groups[0]["lr"]))
    make_trainer(max_epochs=4, callbacks=[record], limit_train_batches=1, limit_val_batches=1).fit(
        task, datamodule=ToyDataModule(name="wine")
    )
    expected = [0.05 * (1 + math.cos(math.pi * epoch / 4)) for epoch in range(4)]
    assert lrs == pytest.approx(expected)


def test_plateau_and_warmup_by_step_run(tmp_path):
    dm = ToyDataModule(name="wine")
    for name, kwargs, interval in (("plateau", {"patience": 0}, "epoch"), ("warmup", {"total_iters": 3}, "step")):
        task = ClassificationTask(
            model=MLP, model_kwargs=WINE, num_classes=3, scheduler=name, scheduler_kwargs=kwargs,
            scheduler_interval=interval,
        )
        trainer = make_trainer(max_epochs=2, limit_train_batches=2, limit_val_batches=1)
        trainer.fit(task, datamodule=dm)
        assert trainer.lr_scheduler_configs[0].interval == interval
    assert task.hparams.scheduler == "warmup" and task.hparams.scheduler_kwargs == {"total_iters": 3}
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0], tmp_path / "warmup.ckpt")
    reloaded = ClassificationTask.load_from_checkpoint(tmp_path / "warmup.ckpt", map_location="cpu")
    assert reloaded.scheduler_name == "warmup" and reloaded.scheduler_interval == "step"


def test_build_scheduler_matches_torch():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = build_scheduler("exponential", opt, gamma=0.5)
    for _ in range(3):
        opt.step()
        scheduler.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.125)


def test_bad_scheduler_input_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Expected scheduler to be one of \['cosine', 'exponential', .*but got 'linear'"):
        ClassificationTask(model=MLP, model_kwargs=WINE, num_classes=3, scheduler="linear")
    with pytest.raises(ValueError, match="Expected keyword arguments of CosineAnnealingLR for scheduler 'cosine'"):
        ClassificationTask(model=MLP, model_kwargs=WINE, num_classes=3, scheduler="cosine", scheduler_kwargs={"steps": 3})
    with pytest.raises(ValueError, match="Expected scheduler_kwargs only with a scheduler"):
        RegressionTask(model=MLP, model_kwargs={"in_features": 2, "out_features": 1}, scheduler_kwargs={"T_max": 3})
    with pytest.raises(ValueError, match=r"Expected scheduler_interval to be one of \('epoch', 'step'\), but got 'batch'"):
        RegressionTask(model=MLP, model_kwargs={"in_features": 2, "out_features": 1}, scheduler="step", scheduler_interval="batch")
    with pytest.raises(ValueError, match="Expected scheduler to be one of"):
        build_scheduler("onecycle", torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0))
