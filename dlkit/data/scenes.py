"""Generated scenes for detection and segmentation: rectangles, ellipses and triangles on a noisy canvas.

Every scene comes with what both tasks need, in torchvision's detection format: per object a box
``(x1, y1, x2, y2)`` in pixels, a class label and a boolean mask; per scene a semantic mask (the label of each
pixel, 0 for background). Objects never overlap, so every pixel has one label and the instance masks add up to
the semantic mask.

Read top to bottom: the classes, the shape masks, the placement, then the generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["SCENE_CLASSES", "Scenes", "shape_mask", "make_scenes"]

# label -> name; 0 is the background, as in torchvision's detection models
SCENE_CLASSES = ("background", "rectangle", "ellipse", "triangle")


def shape_mask(label: int, height: int, width: int) -> np.ndarray:
    """The ``(height, width)`` boolean mask of one shape that fills its box.

    A rectangle fills the box, an ellipse touches its four sides, a triangle has its apex at the top centre
    and its base along the bottom (so they cover about 100%, 79% and 50% of the box).

    Example:
        >>> from dlkit.data.scenes import shape_mask
        >>> shape_mask(3, 4, 5).astype(int)   # a triangle, 4 rows by 5 columns
        array([[0, 0, 1, 0, 0],
               [0, 0, 1, 0, 0],
               [0, 1, 1, 1, 0],
               [1, 1, 1, 1, 1]])
    """
    if label not in (1, 2, 3):
        raise ValueError(f"Expected a shape label in (1, 2, 3) = {SCENE_CLASSES[1:]}, but got {label!r}")
    if height < 1 or width < 1:
        raise ValueError(f"Expected height and width >= 1, but got {height} x {width}")
    y = (np.arange(height) + 0.5)[:, None]  # pixel centres, (H, 1)
    x = (np.arange(width) + 0.5)[None, :]  # (1, W)
    if label == 1:
        return np.ones((height, width), dtype=bool)
    if label == 2:  # ((x - cx) / rx)^2 + ((y - cy) / ry)^2 <= 1
        return ((x - width / 2) / (width / 2)) ** 2 + ((y - height / 2) / (height / 2)) ** 2 <= 1
    # triangle: at height fraction t from the apex, the half-width is t * width / 2 (at least half a pixel)
    half_width = np.maximum(y / height * width / 2, 0.5)
    return np.abs(x - width / 2) <= half_width


@dataclass
class Scenes:
    """A batch of generated scenes.

    Attributes:
        images: ``(N, 1, H, W)`` float32 grey levels in [0, 1].
        masks: ``(N, H, W)`` int64 semantic masks: the label of each pixel, 0 for background.
        targets: per scene a dict in torchvision's detection format: ``"boxes"`` ``(n, 4)`` float32
            ``(x1, y1, x2, y2)`` in pixels (``x2`` is one past the last column), ``"labels"`` ``(n,)`` int64 in
            1..3, ``"masks"`` ``(n, H, W)`` bool, one per object.
    """

    images: torch.Tensor
    masks: torch.Tensor
    targets: list[dict[str, torch.Tensor]]

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: slice) -> Scenes:
        """The scenes ``index`` selects (a slice), e.g. ``scenes[:100]``."""
        if not isinstance(index, slice):
            raise TypeError(f"Expected a slice such as scenes[:100], but got {type(index).__name__}")
        return Scenes(self.images[index], self.masks[index], self.targets[index])


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"Expected {name} to be an int, but got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"Expected {name} >= {minimum}, but got {value}")


Layout = list[tuple[int, tuple[int, int, int, int]]]  # (label, (x1, y1, x2, y2)) per object


def _place_objects(
    rng: np.random.Generator, image_size: int, min_objects: int, max_objects: int, min_size: int, max_size: int
) -> Layout | None:
    """Labels and boxes of one scene's objects, or ``None`` where an object found no free place."""
    layout: Layout = []
    for _ in range(rng.integers(min_objects, max_objects + 1)):
        label = int(rng.integers(1, 4))
        for _attempt in range(20):  # rejection sampling: a place that overlaps no earlier box, 1 px apart
            width, height = rng.integers(min_size, max_size + 1, size=2)
            x1 = int(rng.integers(0, image_size - width + 1))
            y1 = int(rng.integers(0, image_size - height + 1))
            x2, y2 = x1 + int(width), y1 + int(height)
            if all(x1 > bx2 or bx1 > x2 or y1 > by2 or by1 > y2 for _, (bx1, by1, bx2, by2) in layout):
                layout.append((label, (x1, y1, x2, y2)))
                break
        else:
            return None
    return layout


def make_scenes(
    num_scenes: int,
    *,
    image_size: int = 48,
    min_objects: int = 1,
    max_objects: int = 3,
    min_size: int = 10,
    max_size: int = 20,
    noise: float = 0.1,
    seed: int = 0,
) -> Scenes:
    """Generate scenes of 1-3 non-overlapping shapes (rectangle, ellipse, triangle) on a noisy grey canvas.

    Each object draws its class, its width and height (independently, in ``[min_size, max_size]`` pixels), its
    place (anywhere it overlaps no earlier object, with one pixel of background between boxes) and its grey level
    (0.5-1.0). The background has a grey level of 0-0.2 per scene, plus Gaussian pixel noise of standard deviation
    ``noise``; values are clipped to [0, 1].

    Args:
        num_scenes: how many scenes.
        image_size: side of the square canvas in pixels.
        min_objects, max_objects: the number of objects per scene is uniform in this range.
        min_size, max_size: range of object widths and heights in pixels.
        noise: standard deviation of the pixel noise.
        seed: seed of the generator; the same seed gives the same scenes.

    Example:
        >>> from dlkit.data.scenes import make_scenes
        >>> scenes = make_scenes(8, image_size=32, max_size=12, seed=0)
        >>> scenes.images.shape, scenes.masks.shape
        (torch.Size([8, 1, 32, 32]), torch.Size([8, 32, 32]))
        >>> target = scenes.targets[0]
        >>> sorted(target), target["boxes"].shape[1], target["masks"].shape[1:]
        (['boxes', 'labels', 'masks'], 4, torch.Size([32, 32]))
        >>> bool((target["masks"].sum(dim=0) == (scenes.masks[0] > 0)).all())
        True
    """
    _check_int("num_scenes", num_scenes, 1)
    _check_int("image_size", image_size, 4)
    _check_int("min_objects", min_objects, 1)
    _check_int("max_objects", max_objects, min_objects)
    _check_int("min_size", min_size, 2)
    _check_int("max_size", max_size, min_size)
    if max_size > image_size:
        raise ValueError(f"Expected max_size <= image_size = {image_size}, but got {max_size}")
    if not noise >= 0:
        raise ValueError(f"Expected noise >= 0, but got {noise}")
    rng = np.random.default_rng(seed)
    images = np.empty((num_scenes, image_size, image_size), dtype=np.float32)
    masks = np.zeros((num_scenes, image_size, image_size), dtype=np.int64)
    targets = []
    for i in range(num_scenes):
        for _layout in range(100):  # a layout with no free place for an object is drawn again
            layout = _place_objects(rng, image_size, min_objects, max_objects, min_size, max_size)
            if layout is not None:
                break
        else:
            raise ValueError(
                f"Expected room for {max_objects} objects of up to {max_size} px on a {image_size} px canvas, "
                "but 100 layouts found no free place: lower max_objects or max_size"
            )
        canvas = np.full((image_size, image_size), rng.uniform(0.0, 0.2))
        labels, instance_masks = [], []
        for label, (x1, y1, x2, y2) in layout:
            mask = np.zeros((image_size, image_size), dtype=bool)
            mask[y1:y2, x1:x2] = shape_mask(label, y2 - y1, x2 - x1)
            canvas[mask] = rng.uniform(0.5, 1.0)
            masks[i][mask] = label
            labels.append(label)
            instance_masks.append(mask)
        canvas += rng.normal(0.0, noise, size=canvas.shape)
        images[i] = np.clip(canvas, 0.0, 1.0)
        targets.append(
            {
                "boxes": torch.tensor([box for _, box in layout], dtype=torch.float32),  # (n, 4) x1, y1, x2, y2
                "labels": torch.tensor(labels, dtype=torch.int64),  # (n,)
                "masks": torch.from_numpy(np.stack(instance_masks)),  # (n, H, W) bool
            }
        )
    return Scenes(torch.from_numpy(images).unsqueeze(1), torch.from_numpy(masks), targets)
