import pytest
import torch

from dlkit.data import DigitsDataModule
from dlkit.models.lenet import LeNet
from dlkit.tasks import ClassificationTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_forward_shape():
    net = LeNet(in_channels=3, num_classes=5, image_size=16, activation="relu")
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 5)


@pytest.mark.parametrize(
    "shape", [(1, 8, 8), (2, 3, 8, 8), (2, 1, 16, 16), (2, 1, 8, 8, 1)], ids=["rank3", "channels", "size", "rank5"]
)
def test_bad_input_is_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 1, 8, 8\), but got"):
        LeNet(in_channels=1, image_size=8)(torch.randn(*shape))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"Expected image_size divisible by 4 \(two 2x2 poolings\), but got 6"):
        LeNet(image_size=6)
    with pytest.raises(ValueError, match=r"Expected activation to be one of \['relu', 'tanh'\], but got 'elu'"):
        LeNet(activation="elu")
    with pytest.raises(ValueError, match=r"Expected two convolutional stages"):
        LeNet(channels=(6, 16, 32))


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = DigitsDataModule(as_images=True)
    task = ClassificationTask(model=LeNet, model_kwargs={"channels": (4, 8)}, num_classes=10)
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "lenet.ckpt")
