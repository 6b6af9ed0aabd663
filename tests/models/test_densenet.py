import pytest
import torch

from dlkit.data import DigitsDataModule
from dlkit.models.densenet import DenseNet, DenseNetBlock
from dlkit.tasks import ClassificationTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_forward_shape():
    net = DenseNet(in_channels=3, num_classes=5, image_size=16, block_layers=(2, 2, 2), growth_rate=4)
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 5)


def test_block_keeps_its_input_and_concatenates_each_layer():
    block = DenseNetBlock(in_channels=3, num_layers=2, growth_rate=4).eval()
    x = torch.randn(2, 3, 5, 5)
    with torch.no_grad():
        y = block(x)
        first = block.layers[0](x)
        second = block.layers[1](torch.cat([x, first], dim=1))
    assert y.shape == (2, 3 + 2 * 4, 5, 5)
    assert torch.equal(y[:, :3], x)  # the block's input is passed on unchanged
    assert torch.allclose(y, torch.cat([x, first, second], dim=1))


@pytest.mark.parametrize(
    "shape", [(1, 8, 8), (2, 3, 8, 8), (2, 1, 16, 16), (2, 1, 8, 8, 1)], ids=["rank3", "channels", "size", "rank5"]
)
def test_bad_input_is_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 1, 8, 8\), but got"):
        DenseNet(in_channels=1, image_size=8)(torch.randn(*shape))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"Expected image_size divisible by 4 \(2 transitions, each halving"):
        DenseNet(image_size=6, block_layers=(1, 1, 1))
    with pytest.raises(ValueError, match=r"Expected compression in \(0, 1\], but got 0"):
        DenseNet(compression=0)
    with pytest.raises(ValueError, match=r"Expected at least one dense block of at least one layer"):
        DenseNet(block_layers=(2, 0))


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = DigitsDataModule(as_images=True)
    task = ClassificationTask(
        model=DenseNet, model_kwargs={"block_layers": (1, 1), "growth_rate": 4, "stem_channels": 8}, num_classes=10
    )
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "densenet.ckpt")
