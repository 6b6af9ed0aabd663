import pytest
import torch
from torchmetrics.classification import MulticlassAccuracy

from dlkit.data import ToyDataModule
from dlkit.models import build_model
from dlkit.models.autoencoder import Autoencoder
from dlkit.models.gan import MLPDiscriminator, MLPGenerator
from dlkit.models.gpt import GPT
from dlkit.models.mlp import MLP
from dlkit.tasks import AutoencoderTask, CausalLMTask, ClassificationTask, GANTask, RegressionTask
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


# Every option a task accepts is used or rejected, at construction.
MLP_KWARGS = {"model": MLP, "model_kwargs": {"in_features": 2, "out_features": 2}, "num_classes": 2}


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_momentum_with_adam_is_rejected(optimizer):
    with pytest.raises(ValueError, match=rf"Expected momentum only with 'sgd' or 'rmsprop'.*momentum=0.9 with optimizer='{optimizer}'"):
        ClassificationTask(**MLP_KWARGS, optimizer=optimizer, momentum=0.9)
    with pytest.raises(ValueError, match="Expected momentum only with"):  # AdamW is the language models' default
        CausalLMTask(model=GPT, model_kwargs={"vocab_size": 10, "max_len": 8, "d_model": 16, "num_heads": 2}, momentum=0.5)


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_momentum_is_used_where_it_exists(optimizer):
    task = ClassificationTask(**MLP_KWARGS, optimizer=optimizer, momentum=0.8)
    assert task.configure_optimizers().defaults["momentum"] == 0.8
    with pytest.raises(ValueError, match=r"Expected betas only with 'adam' or 'adamw'"):
        ClassificationTask(**MLP_KWARGS, optimizer=optimizer, betas=(0.9, 0.99))


@pytest.mark.parametrize("lr", [0, -1e-3, float("nan")])
def test_non_positive_learning_rate_is_rejected_at_construction(lr):
    with pytest.raises(ValueError, match="Expected a positive learning rate"):
        ClassificationTask(**MLP_KWARGS, lr=lr)
    with pytest.raises(ValueError, match="Expected a positive learning rate"):
        AutoencoderTask(model=Autoencoder, lr=lr)
    with pytest.raises(ValueError, match="Expected a positive learning rate"):
        GANTask(generator=MLPGenerator, discriminator=MLPDiscriminator, lr=lr)


def test_unknown_or_foreign_options_are_type_errors():
    with pytest.raises(TypeError, match="learning_rate"):
        ClassificationTask(**MLP_KWARGS, learning_rate=0.1)
    with pytest.raises(TypeError, match="scheduler"):  # a GAN steps two optimisers by hand: no scheduler option
        GANTask(generator=MLPGenerator, discriminator=MLPDiscriminator, scheduler="cosine")


def test_betas_reach_adam():
    task = RegressionTask(model=MLP, model_kwargs={"in_features": 2, "out_features": 1}, betas=(0.8, 0.95))
    assert task.configure_optimizers().defaults["betas"] == (0.8, 0.95)
    gan = GANTask(generator=MLPGenerator, discriminator=MLPDiscriminator, beta1=0.6, lr=1e-3)
    opt_g, opt_d = gan.configure_optimizers()
    assert opt_g.defaults["betas"] == opt_d.defaults["betas"] == (0.6, 0.999) and opt_d.defaults["lr"] == 1e-3
    assert set(gan.hparams) == {"generator", "discriminator", "generator_kwargs", "discriminator_kwargs", "lr", "beta1"}


def test_hooks_may_read_attributes_set_after_the_base_constructor(tmp_path):
    """Metrics are built on first use, so a subclass sets its attributes after super().__init__() like any class,
    and its arguments are saved without a save_hyperparameters() call of its own."""

    class TopKTask(ClassificationTask):
        def __init__(self, *, top_k: int = 2, **task_kwargs):
            super().__init__(**task_kwargs)
            self.top_k = top_k

        def make_metrics(self):
            return {"top_k": MulticlassAccuracy(num_classes=self.num_classes, top_k=self.top_k)}

    task = TopKTask(model=MLP, model_kwargs={"in_features": 13, "out_features": 3}, num_classes=3, top_k=2)
    assert task.hparams.top_k == 2 and task.hparams.num_classes == 3
    trainer = fit_fast_dev_run(task, ToyDataModule(name="wine"))
    assert {"train_top_k", "val_top_k"} <= set(trainer.callback_metrics)

