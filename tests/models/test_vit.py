import pytest
import torch

from dlkit.data import DigitsDataModule
from dlkit.models.vit import ViT, ViTPatchEmbedding
from dlkit.tasks import ClassificationTask
from dlkit.models.transformer import TransformerEncoderBlock
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run
from tests.models.dropout import assert_dropout_acts


def test_forward_shape():
    net = ViT(in_channels=3, num_classes=5, image_size=16, patch_size=4, d_model=16, num_layers=1, num_heads=2, d_ff=32)
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 5)
    assert net.position_embedding.shape == (1, 16 + 1, 16)


def test_blocks_are_dlkits_one_block():
    net = ViT(d_model=16, num_layers=3, num_heads=2)
    assert len(net.transformer.blocks) == 3
    assert all(type(block) is TransformerEncoderBlock and not block.causal for block in net.transformer.blocks)
    assert net.transformer.blocks[0].ff.linear1.out_features == 4 * 16  # d_ff defaults to 4 * d_model


def test_dropout_zeroes_p_in_training_and_nothing_in_eval():
    net = ViT(d_model=32, num_layers=2, num_heads=4, dropout=0.2)
    x = torch.randn(16, 1, 8, 8)
    assert_dropout_acts(net, lambda: net(x), p=0.2, calls=1 + 2 * 4)  # the embeddings, then 4 per block


def test_patch_embedding_is_a_linear_map_of_each_flattened_patch():
    embed = ViTPatchEmbedding(in_channels=2, patch_size=3, d_model=5)
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
    with pytest.raises(ValueError, match=r"Expected d_model divisible by num_heads, but got d_model=30 and num_heads=4"):
        ViT(d_model=30, num_heads=4)
    with pytest.raises(ValueError, match=r"Expected num_layers >= 1, but got 0"):
        ViT(num_layers=0)


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = DigitsDataModule(as_images=True)
    task = ClassificationTask(
        model=ViT, model_kwargs={"d_model": 16, "num_layers": 1, "num_heads": 2, "d_ff": 32}, num_classes=10
    )
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "vit.ckpt")
