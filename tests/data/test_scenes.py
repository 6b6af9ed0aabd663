import numpy as np
import pytest
import torch

from dlkit.data.scenes import SCENE_CLASSES, make_scenes, shape_mask


def test_shapes_fill_their_box_as_documented():
    rectangle, ellipse, triangle = (shape_mask(label, 40, 30) for label in (1, 2, 3))
    assert rectangle.all()
    assert ellipse.mean() == pytest.approx(np.pi / 4, rel=0.05)
    assert triangle.mean() == pytest.approx(0.5, rel=0.05)
    for mask in (ellipse, triangle):  # each touches all four sides of its box
        assert mask[0].any() and mask[-1].any() and mask[:, 0].any() and mask[:, -1].any()


def test_scenes_are_consistent_and_repeatable():
    scenes = make_scenes(50, image_size=32, min_size=8, max_size=16, seed=3)
    again = make_scenes(50, image_size=32, min_size=8, max_size=16, seed=3)
    assert torch.equal(scenes.images, again.images) and torch.equal(scenes.masks, again.masks)
    assert scenes.images.dtype == torch.float32 and 0 <= scenes.images.min() and scenes.images.max() <= 1
    for target, mask in zip(scenes.targets, scenes.masks):
        assert 1 <= len(target["labels"]) <= 3
        assert set(target["labels"].tolist()) <= {1, 2, 3} and len(SCENE_CLASSES) == 4
        # instance masks add up to the semantic mask; each box is its mask's tight extent
        assert torch.equal((target["masks"] * target["labels"][:, None, None]).sum(dim=0), mask)
        for box, instance in zip(target["boxes"], target["masks"]):
            rows, cols = torch.nonzero(instance, as_tuple=True)
            assert box.tolist() == [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]
            width, height = box[2] - box[0], box[3] - box[1]
            assert 8 <= width <= 16 and 8 <= height <= 16


def test_slicing_keeps_images_masks_and_targets_together():
    scenes = make_scenes(10, image_size=32, max_size=12)
    part = scenes[2:5]
    assert len(part) == 3 and part.targets[0] is scenes.targets[2]
    with pytest.raises(TypeError, match="Expected a slice"):
        scenes[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"num_scenes": 0}, ValueError, "Expected num_scenes >= 1, but got 0"),
        ({"num_scenes": 2.5}, TypeError, "Expected num_scenes to be an int, but got float"),
        ({"max_objects": 0}, ValueError, "Expected max_objects >= 1"),
        ({"min_size": 12, "max_size": 10}, ValueError, "Expected max_size >= 12, but got 10"),
        ({"image_size": 16, "max_size": 20}, ValueError, "Expected max_size <= image_size = 16, but got 20"),
        ({"noise": -0.1}, ValueError, "Expected noise >= 0"),
        ({"image_size": 16, "min_size": 12, "max_size": 16, "min_objects": 3}, ValueError, "Expected room for 3"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_scenes(**{"num_scenes": 2, **kwargs})


def test_bad_shape_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"Expected a shape label in \(1, 2, 3\)"):
        shape_mask(0, 4, 4)
    with pytest.raises(ValueError, match="Expected height and width >= 1, but got 0 x 4"):
        shape_mask(1, 0, 4)
