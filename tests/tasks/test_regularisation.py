"""The L1 penalty and weight-decay options of dlkit's tasks."""

import pytest
import torch

from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask, RegressionTask
from dlkit.tasks.base import l1_penalty

# Steps called outside a Trainer: self.log() warns that no trainer is attached, which is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:You are trying to `self.log\\(\\)`")


def test_l1_penalty_sums_weights_not_biases():
    net = MLP(in_features=3, out_features=2, hidden_dims=(4,))
    expected = net.layers[0].weight.abs().sum() + net.layers[3].weight.abs().sum()
    assert torch.allclose(l1_penalty(net), expected)


def test_l1_is_added_to_the_training_loss_only():
    torch.manual_seed(0)
    batch = (torch.randn(8, 3), torch.randint(0, 2, (8,)))
    kwargs = {"model": MLP, "model_kwargs": {"in_features": 3, "out_features": 2}, "num_classes": 2}
    plain = ClassificationTask(**kwargs)
    penalised = ClassificationTask(**kwargs, l1=0.01)
    penalised.load_state_dict(plain.state_dict())
    difference = penalised.training_step(batch, 0) - plain.training_step(batch, 0)
    assert torch.allclose(difference, 0.01 * l1_penalty(plain.net))
    assert torch.allclose(penalised.validation_step(batch, 0), plain.validation_step(batch, 0))
    assert penalised.hparams.l1 == 0.01


def test_l1_gradient_is_lambda_times_sign():
    torch.manual_seed(0)
    task = RegressionTask(model=MLP, model_kwargs={"in_features": 3, "out_features": 1, "hidden_dims": ()}, l1=0.5)
    x, y = torch.randn(4, 3), torch.randn(4)
    task.training_step((x, y), 0).backward()
    data_grad = torch.autograd.grad(torch.nn.functional.mse_loss(task(x).squeeze(1), y), task.net.layers[0].weight)[0]
    weight = task.net.layers[0].weight
    assert torch.allclose(weight.grad - data_grad, 0.5 * weight.sign())


def test_bad_regularisation_input_is_a_clear_error():
    kwargs = {"model": MLP, "model_kwargs": {"in_features": 3, "out_features": 2}, "num_classes": 2}
    with pytest.raises(ValueError, match="Expected l1 >= 0, but got -0.1"):
        ClassificationTask(**kwargs, l1=-0.1)
    with pytest.raises(ValueError, match="Expected weight_decay >= 0, but got -1"):
        ClassificationTask(**kwargs, weight_decay=-1)
