import pytest
import torch

from dlkit.data import DigitsDataModule
from dlkit.models.vit import ViT, ViTPatchEmbedding
from dlkit.tasks import ClassificationTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_forward_shape():
    net = ViT(in_channels=3, num_classes=5, image_size=16, patch_size=4, dim=16, depth=1, num_heads=2, mlp_dim=32)
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 5)
    assert net.position_embedding.shape == (1, 16 + 1, 16)


def test_patch_embedding_is_a_linear_map_of_each_flattened_patch():
    embed = ViTPatchEmbedding(in_channels=2, patch_size=3, dim=5)
    x = torch.randn(4, 2, 6, 6)
    patches = torch.nn.functional.unfold(x, kernel_size=3, stride=3).transpose(1, 2)  # (4, 4 patches, 2*3*3)
    by_hand = patches @ embed.projection.weight.flatten(1).T + embed.projection.bias
    assert torch.allclose(embed(x), by_hand, atol=1e-5)


@pytest.mark.parametrize(
    "shape", [(1, 8, 8), (2, 3, 8, 8), (2, 1, 16, 16), (2, 1, 8, 8, 1)], ids=["rank3", "channels", "size", "rank5"]
)
def test_bad_input_is_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 1, 8, 8\), but got"):
        ViT(in_channels=1, image_size=8)(torch.randn(*shape))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"Expected image_size divisible by patch_size, but got 8 and 3"):
        ViT(image_size=8, patch_size=3)
    with pytest.raises(ValueError, match=r"Expected dim divisible by num_heads, but got 30 and 4"):
        ViT(dim=30, num_heads=4)
    with pytest.raises(ValueError, match=r"Expected at least one encoder block, but got depth=0"):
        ViT(depth=0)


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = DigitsDataModule(as_images=True)
    task = ClassificationTask(
        model=ViT, model_kwargs={"dim": 16, "depth": 1, "num_heads": 2, "mlp_dim": 32}, num_classes=10
    )
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "vit.ckpt")
