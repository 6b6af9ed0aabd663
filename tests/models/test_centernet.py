import pytest
import torch

from dlkit.data.scenes import make_scenes
from dlkit.models.centernet import CenterNet, centernet_loss, centernet_targets, decode_centernet


def test_shapes_and_stride():
    net = CenterNet(in_channels=1, num_classes=3, channels=(4, 8, 16, 16))
    assert net.stride == 8 and net(torch.zeros(2, 1, 32, 48)).shape == (2, 7, 4, 6)


def test_decoding_the_targets_gives_back_the_boxes():
    """Targets turned into confident logits decode to the true boxes: encoding and decoding agree."""
    scenes = make_scenes(20, image_size=32, min_size=8, max_size=16, seed=1)
    dense = centernet_targets(scenes.targets, num_classes=3, image_size=32, stride=4)
    logits = dense.clone()
    logits[:, :3] = torch.where(dense[:, :3] == 1, 10.0, -10.0)
    for found, target in zip(decode_centernet(logits, stride=4), scenes.targets):
        confident = found["scores"] > 0.5
        torch.testing.assert_close(
            sorted(map(tuple, found["boxes"][confident].tolist())),
            sorted(map(tuple, target["boxes"].tolist())),
        )
        assert sorted(found["labels"][confident].tolist()) == sorted(target["labels"].tolist())


def test_loss_is_zero_for_perfect_outputs_and_positive_otherwise():
    scenes = make_scenes(4, image_size=32, min_size=8, max_size=16)
    dense = centernet_targets(scenes.targets, num_classes=3, image_size=32, stride=4)
    perfect = dense.clone()
    perfect[:, :3] = torch.where(dense[:, :3] == 1, 30.0, -30.0)
    terms = centernet_loss(perfect, dense)
    assert sorted(terms) == ["heatmap", "loss", "offset", "size"]
    assert terms["loss"].item() == pytest.approx(0.0, abs=1e-4)  # focal terms vanish as logits grow
    assert centernet_loss(torch.zeros_like(dense), dense)["loss"].item() > 1


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match=r"divisible by 4, but got \(2, 1, 30, 32\)"):
        CenterNet(channels=(4, 8, 16))(torch.zeros(2, 1, 30, 32))
    with pytest.raises(ValueError, match=r"Expected labels in 1..3, but got \[4\]"):
        centernet_targets([{"boxes": torch.tensor([[0.0, 0, 8, 8]]), "labels": torch.tensor([4])}],
                          num_classes=3, image_size=32, stride=4)
    with pytest.raises(ValueError, match=r"Expected boxes \(n, 4\) and labels \(n,\)"):
        centernet_targets([{"boxes": torch.zeros(2, 3), "labels": torch.tensor([1, 1])}],
                          num_classes=3, image_size=32, stride=4)
    with pytest.raises(ValueError, match="Expected image_size divisible by stride = 4, but got 30"):
        centernet_targets([], num_classes=3, image_size=30, stride=4)
    with pytest.raises(ValueError, match="Expected outputs of the targets' shape"):
        centernet_loss(torch.zeros(1, 7, 8, 8), torch.zeros(1, 7, 4, 4))
    with pytest.raises(ValueError, match=r"Expected outputs of shape \(N, num_classes \+ 4, h, w\)"):
        decode_centernet(torch.zeros(1, 4, 8, 8), stride=4)
