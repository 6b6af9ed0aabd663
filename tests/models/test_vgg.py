import pytest
import torch

from dlkit.data import DigitsDataModule
from dlkit.models.vgg import VGG, vgg_block
from dlkit.tasks import ClassificationTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_forward_shape():
    net = VGG(in_channels=3, num_classes=5, image_size=16, blocks=((1, 8), (2, 8), (2, 16)))
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 5)


def test_block_halves_the_size_and_counts_its_convolutions():
    block = vgg_block(3, 4, 8)
    assert block(torch.randn(1, 4, 6, 6)).shape == (1, 8, 3, 3)
    assert sum(isinstance(m, torch.nn.Conv2d) for m in block) == 3


@pytest.mark.parametrize(
    "shape", [(1, 8, 8), (2, 3, 8, 8), (2, 1, 16, 16), (2, 1, 8, 8, 1)], ids=["rank3", "channels", "size", "rank5"]
)
def test_bad_input_is_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 1, 8, 8\), but got"):
        VGG(in_channels=1, image_size=8)(torch.randn(*shape))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"Expected image_size divisible by 8 \(3 blocks, each halving the size\)"):
        VGG(image_size=12, blocks=((1, 8), (1, 8), (1, 8)))
    with pytest.raises(ValueError, match=r"Expected blocks as \(num_convs, out_channels\) pairs"):
        VGG(blocks=(8, 16))
    with pytest.raises(ValueError, match=r"Expected at least one convolution per block"):
        VGG(blocks=((0, 8),))


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = DigitsDataModule(as_images=True)
    task = ClassificationTask(model=VGG, model_kwargs={"blocks": ((1, 8), (1, 16)), "hidden_dim": 16}, num_classes=10)
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "vgg.ckpt")
