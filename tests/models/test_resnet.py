import pytest
import torch

from dlkit.data import DigitsDataModule
from dlkit.models.resnet import ResNet, ResNetBasicBlock
from dlkit.tasks import ClassificationTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_forward_shape():
    net = ResNet(in_channels=3, num_classes=5, image_size=16, channels=(8, 16, 32), blocks_per_stage=2)
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 5)


def test_block_adds_the_residual_to_its_input():
    block = ResNetBasicBlock(in_channels=4, out_channels=4).eval()
    x = torch.randn(2, 4, 6, 6)
    with torch.no_grad():
        assert torch.allclose(block(x), torch.relu(block.residual(x) + x))
        for param in block.residual.parameters():
            param.zero_()  # F(x) = 0: the block passes ReLU(x) through
        assert torch.allclose(block(x), torch.relu(x))


def test_block_shortcut_projects_when_the_shape_changes():
    block = ResNetBasicBlock(in_channels=4, out_channels=8, stride=2)
    assert not isinstance(block.shortcut, torch.nn.Identity)
    assert block(torch.randn(1, 4, 6, 6)).shape == (1, 8, 3, 3)


@pytest.mark.parametrize(
    "shape", [(1, 8, 8), (2, 3, 8, 8), (2, 1, 16, 16), (2, 1, 8, 8, 1)], ids=["rank3", "channels", "size", "rank5"]
)
def test_bad_input_is_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 1, 8, 8\), but got"):
        ResNet(in_channels=1, image_size=8)(torch.randn(*shape))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"Expected image_size divisible by 4 \(2 stride-2 stages\), but got 6"):
        ResNet(image_size=6, channels=(8, 16, 32))
    with pytest.raises(ValueError, match=r"Expected blocks_per_stage >= 1, but got 0"):
        ResNet(blocks_per_stage=0)
    with pytest.raises(ValueError, match=r"Expected stride 1 or 2, but got 3"):
        ResNetBasicBlock(in_channels=4, out_channels=4, stride=3)


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = DigitsDataModule(as_images=True)
    task = ClassificationTask(model=ResNet, model_kwargs={"channels": (8, 16)}, num_classes=10)
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "resnet.ckpt")
