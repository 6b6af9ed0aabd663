import pytest
import torch

from dlkit.data import DigitsDataModule
from dlkit.models.inception import Inception, InceptionBlock
from dlkit.tasks import ClassificationTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_forward_shape():
    net = Inception(in_channels=3, num_classes=5, image_size=16, stem_channels=8, blocks=((4, 4, 4, 4),) * 3)
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 5)


def test_block_concatenates_its_four_branches():
    block = InceptionBlock(in_channels=6, branch_channels=(2, 3, 4, 5), reduce_channels=4).eval()
    x = torch.randn(2, 6, 7, 7)
    with torch.no_grad():
        y = block(x)
        branches = [block.branch1(x), block.branch3(x), block.branch5(x), block.branch_pool(x)]
    assert y.shape == (2, 14, 7, 7)
    assert torch.equal(y, torch.cat(branches, dim=1))


@pytest.mark.parametrize(
    "shape", [(1, 8, 8), (2, 3, 8, 8), (2, 1, 16, 16), (2, 1, 8, 8, 1)], ids=["rank3", "channels", "size", "rank5"]
)
def test_bad_input_is_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 1, 8, 8\), but got"):
        Inception(in_channels=1, image_size=8)(torch.randn(*shape))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"Expected image_size divisible by 4 \(2 max-pools between blocks\)"):
        Inception(image_size=6, blocks=((4, 4, 4, 4),) * 3)
    with pytest.raises(ValueError, match=r"Expected four branch widths, but got \(4, 4, 4\)"):
        Inception(blocks=((4, 4, 4),))
    with pytest.raises(ValueError, match=r"Expected at least one Inception block"):
        Inception(blocks=())


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = DigitsDataModule(as_images=True)
    task = ClassificationTask(
        model=Inception,
        model_kwargs={"stem_channels": 8, "blocks": ((4, 4, 4, 4), (4, 4, 4, 4)), "reduce_channels": 4},
        num_classes=10,
    )
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "inception.ckpt")
