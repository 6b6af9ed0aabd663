import pytest
import torch

from dlkit.data import ToyDataModule
from dlkit.models import build_model
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask, RegressionTask
from dlkit.tasks.base import build_optimizer
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_hyperparameters_are_primitive_and_saved():
    task = ClassificationTask(model=MLP, model_kwargs={"in_features": 4, "out_features": 3}, num_classes=3, lr=0.1)
    assert task.hparams.model == "dlkit.models.mlp.MLP"
    assert task.hparams.lr == 0.1 and task.hparams.num_classes == 3


def test_classification_logs_loss_and_metrics_per_split():
    dm = ToyDataModule(name="wine")
    task = ClassificationTask(model=MLP, model_kwargs={"in_features": 13, "out_features": 3}, num_classes=3)
    trainer = fit_fast_dev_run(task, dm)
    assert {"train_loss", "train_acc", "train_f1", "val_loss", "val_acc", "val_f1"} <= set(trainer.callback_metrics)
    results = trainer.test(task, datamodule=dm, verbose=False)[0]
    assert set(results) == {"test_loss", "test_acc", "test_f1"}


def test_regression_round_trip(tmp_path):
    dm = ToyDataModule(name="diabetes")
    task = RegressionTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 10, "out_features": 1})
    trainer = fit_fast_dev_run(task, dm)
    assert {"train_mse", "train_mae", "train_r2", "val_loss"} <= set(trainer.callback_metrics)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0], tmp_path / "reg.ckpt")


def test_wrong_number_of_logits_is_a_clear_error():
    task = ClassificationTask(model=MLP, model_kwargs={"in_features": 13, "out_features": 5}, num_classes=3)
    with pytest.raises(ValueError, match=r"Expected logits of shape \(N, 3\), but the network returned \(4, 5\)"):
        task.training_step((torch.randn(4, 13), torch.zeros(4, dtype=torch.long)), 0)


def test_float_labels_are_a_clear_error():
    task = ClassificationTask(model=MLP, model_kwargs={"in_features": 2, "out_features": 2}, num_classes=2)
    with pytest.raises(ValueError, match="Expected integer class ids"):
        task.training_step((torch.randn(4, 2), torch.zeros(4)), 0)


def test_regression_output_shape_mismatch():
    task = RegressionTask(model=MLP, model_kwargs={"in_features": 2, "out_features": 3})
    with pytest.raises(ValueError, match="Expected one output per sample"):
        task.training_step((torch.randn(4, 2), torch.zeros(4)), 0)


def test_unknown_model_and_optimizer():
    with pytest.raises(ValueError, match="Expected an importable nn.Module class at 'dlkit.models.nope.Net'"):
        build_model("dlkit.models.nope.Net")
    with pytest.raises(ValueError, match="to be an nn.Module subclass"):
        build_model("dlkit.models.build_model")
    with pytest.raises(ValueError, match="Expected optimizer to be one of"):
        ClassificationTask(model=MLP, model_kwargs={"in_features": 2, "out_features": 2}, num_classes=2, optimizer="lbfgs2")
    with pytest.raises(ValueError, match="Expected a positive learning rate"):
        build_optimizer("adam", MLP(in_features=2, out_features=2).parameters(), lr=0)
    with pytest.raises(ValueError, match="Expected num_classes >= 2"):
        ClassificationTask(model=MLP, model_kwargs={"in_features": 2, "out_features": 1}, num_classes=1)


def test_class_ids_out_of_range_are_a_clear_error():
    task = ClassificationTask(model=MLP, model_kwargs={"in_features": 2, "out_features": 3}, num_classes=3)
    with pytest.raises(ValueError, match=r"Expected class ids in \[0, 2\], but got ids from 0 to 3"):
        task.training_step((torch.randn(4, 2), torch.tensor([0, 1, 2, 3])), 0)
