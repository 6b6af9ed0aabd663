import pytest
import torch

from dlkit.data import DigitsDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_forward_shape():
    assert CNN(in_channels=3, num_classes=5, image_size=16, channels=(8, 8, 8))(torch.randn(2, 3, 16, 16)).shape == (2, 5)


@pytest.mark.parametrize(
    "shape", [(1, 8, 8), (2, 3, 8, 8), (2, 1, 16, 16), (2, 1, 8, 8, 1)], ids=["rank3", "channels", "size", "rank5"]
)
def test_bad_input_is_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 1, 8, 8\), but got"):
        CNN(in_channels=1, image_size=8)(torch.randn(*shape))


def test_image_size_must_survive_the_pooling():
    with pytest.raises(ValueError, match=r"Expected image_size divisible by 2\*\*len\(channels\) = 4, but got 6"):
        CNN(image_size=6, channels=(8, 8))


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = DigitsDataModule(as_images=True)
    task = ClassificationTask(model=CNN, model_kwargs={"channels": (8, 16)}, num_classes=10)
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "cnn.ckpt")
