import pytest
import torch

from dlkit.data import DigitsDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run
from tests.models.dropout import assert_dropout_acts


def test_forward_shapes_flat_and_image_inputs():
    net = MLP(in_features=64, out_features=10, hidden_dims=(32, 16))
    assert net(torch.randn(4, 64)).shape == (4, 10)
    assert net(torch.randn(4, 1, 8, 8)).shape == (4, 10)  # flattened


def test_no_hidden_layers_is_a_linear_model():
    net = MLP(in_features=5, out_features=2, hidden_dims=())
    assert [type(m).__name__ for m in net.layers] == ["Linear"]


def test_dropout_zeroes_p_in_training_and_nothing_in_eval():
    net = MLP(in_features=8, out_features=3, hidden_dims=(256, 128), dropout=0.4, activation="tanh")
    x = torch.randn(32, 8)
    assert_dropout_acts(net, lambda: net(x), p=0.4, calls=2)  # after each hidden layer
    net.eval()
    assert torch.equal(net(x), net(x))


@pytest.mark.parametrize(
    ("x", "message"),
    [(torch.randn(64), r"Expected input of shape \(N, 64\)"), (torch.randn(2, 63), "Expected 64 features per sample, but got 63")],
)
def test_bad_input_shape_is_a_clear_error(x, message):
    with pytest.raises(ValueError, match=message):
        MLP(in_features=64, out_features=10)(x)


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="Expected activation to be one of"):
        MLP(in_features=4, out_features=2, activation="swishy")
    with pytest.raises(ValueError, match=r"Expected dropout in \[0, 1\)"):
        MLP(in_features=4, out_features=2, dropout=1.0)


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = DigitsDataModule(as_images=False)
    task = ClassificationTask(model=MLP, model_kwargs={"in_features": 64, "out_features": 10}, num_classes=10)
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "mlp.ckpt")
