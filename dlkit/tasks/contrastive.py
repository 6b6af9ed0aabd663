r"""Contrastive self-supervised learning (SimCLR): two augmented views of each image should agree.

Each batch of $N$ images gives $2N$ views (two random augmentations of each). The **NT-Xent** loss (normalised
temperature-scaled cross-entropy) asks each view to pick out its partner among the $2N - 1$ other views: with
cosine similarities $s_{ij} = z_i^\top z_j / (\lVert z_i \rVert \lVert z_j \rVert)$, temperature $\tau$ and $p(i)$
the partner of view $i$,

$$\ell_i = -\log \frac{\exp(s_{i, p(i)} / \tau)}{\sum_{k \ne i} \exp(s_{ik} / \tau)}, \qquad
L = \frac{1}{2N} \sum_{i=1}^{2N} \ell_i .$$

No label is used: the labels in a batch ``(x, y)`` are ignored.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from dlkit.tasks.base import SupervisedTask

__all__ = ["nt_xent_loss", "augment_images", "ContrastiveTask"]


def nt_xent_loss(z1: torch.Tensor, z2: torch.Tensor, *, temperature: float = 0.5) -> torch.Tensor:
    r"""NT-Xent between two batches of projections, ``z1[i]`` and ``z2[i]`` being the two views of sample ``i``.

    It is a cross-entropy over the $2N \times 2N$ similarity matrix, with each view's own similarity masked out and
    its partner as the target class.

    Example:
        >>> import torch
        >>> from dlkit.tasks.contrastive import nt_xent_loss
        >>> z = torch.eye(4)  # 4 orthogonal directions
        >>> round(nt_xent_loss(z, z, temperature=0.1).item(), 4)  # partners identical, others orthogonal: near 0
        0.0003
        >>> nt_xent_loss(z, z[:3])
        Traceback (most recent call last):
        ...
        ValueError: Expected z1 and z2 of the same shape (N, dim), but got (4, 4) and (3, 4)
    """
    if z1.shape != z2.shape or z1.ndim != 2:
        raise ValueError(f"Expected z1 and z2 of the same shape (N, dim), but got {tuple(z1.shape)} and {tuple(z2.shape)}")
    if not temperature > 0:
        raise ValueError(f"Expected a positive temperature, but got {temperature}")
    n = len(z1)
    z = F.normalize(torch.cat([z1, z2]), dim=1)  # (2N, dim), unit length: dot products are cosines
    similarity = z @ z.T / temperature  # (2N, 2N)
    self_mask = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    similarity = similarity.masked_fill(self_mask, float("-inf"))  # k != i
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)  # view i <-> view i +- N
    return F.cross_entropy(similarity, partner)


def augment_images(
    x: torch.Tensor, *, max_degrees: float = 15.0, max_shift: float = 1.0, scale: float = 0.1, noise_std: float = 0.1
) -> torch.Tensor:
    """Random small affine distortions plus Gaussian noise, one draw per image (torch's global generator).

    Args:
        x: images ``(N, C, H, W)``.
        max_degrees: rotation drawn uniformly in ``[-max_degrees, max_degrees]``.
        max_shift: shift in pixels, uniformly in ``[-max_shift, max_shift]`` along each axis.
        scale: zoom factor drawn in ``[1 - scale, 1 + scale]``.
        noise_std: standard deviation of the added Gaussian noise.

    Example:
        >>> import torch
        >>> from dlkit.tasks.contrastive import augment_images
        >>> x = torch.zeros(2, 1, 8, 8)
        >>> augment_images(x, noise_std=0.0).abs().max().item()  # a blank image stays blank
        0.0
        >>> augment_images(torch.zeros(2, 64))
        Traceback (most recent call last):
        ...
        ValueError: Expected images of shape (N, C, H, W), but got (2, 64)
    """
    if x.ndim != 4:
        raise ValueError(f"Expected images of shape (N, C, H, W), but got {tuple(x.shape)}")
    n, _, height, width = x.shape
    angle = (torch.rand(n, device=x.device) * 2 - 1) * math.radians(max_degrees)
    zoom = 1 + (torch.rand(n, device=x.device) * 2 - 1) * scale
    shift = (torch.rand(n, 2, device=x.device) * 2 - 1) * max_shift * 2 / torch.tensor([width, height], device=x.device)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)  # (N, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    warped = F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")
    return warped + noise_std * torch.randn_like(warped)


class ContrastiveTask(SupervisedTask):
    """Train a network (e.g. ``SimCLRNet``) with NT-Xent on two augmented views of each image; labels unused.

    Args:
        temperature: NT-Xent's $\\tau$.
        image_shape: ``(C, H, W)``: flat rows are reshaped to it for the augmentations.
        augment_kwargs: options of ``augment_images``.
        **task_kwargs: ``model``, ``model_kwargs`` and the optimiser options of ``SupervisedTask``.

    Example:
        >>> import torch
        >>> from dlkit.tasks.contrastive import ContrastiveTask
        >>> task = ContrastiveTask(model="dlkit.models.simclr.SimCLRNet", model_kwargs={"in_features": 64},
        ...                        image_shape=(1, 8, 8))
        >>> views, _ = task.inputs_and_targets((torch.rand(5, 64), torch.zeros(5)), "train", 0)
        >>> tuple(views.shape)  # two views of each of the 5 images
        (10, 1, 8, 8)
        >>> ContrastiveTask(model="dlkit.models.simclr.SimCLRNet", model_kwargs={"in_features": 64}, temperature=0)
        Traceback (most recent call last):
        ...
        ValueError: Expected a positive temperature, but got 0
    """

    def __init__(
        self,
        *,
        temperature: float = 0.5,
        image_shape: tuple[int, int, int] = (1, 8, 8),
        augment_kwargs: dict[str, float] | None = None,
        **task_kwargs: Any,
    ) -> None:
        if not temperature > 0:
            raise ValueError(f"Expected a positive temperature, but got {temperature}")
        if len(image_shape) != 3:
            raise ValueError(f"Expected image_shape (C, H, W), but got {image_shape}")
        super().__init__(**task_kwargs)
        self.temperature = temperature
        self.image_shape = tuple(image_shape)
        self.augment_kwargs = dict(augment_kwargs or {})

    def inputs_and_targets(self, batch: Any, stage: str, batch_idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        images = x.reshape(len(x), *self.image_shape)  # (N, C, H, W)
        views = torch.cat([augment_images(images, **self.augment_kwargs), augment_images(images, **self.augment_kwargs)])
        return views, torch.zeros(len(views), device=x.device)  # (2N, C, H, W); no targets, only a batch size

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        z1, z2 = outputs.chunk(2)  # the first and second views of each image
        return nt_xent_loss(z1, z2, temperature=self.temperature)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The representation $h$ (the encoder's output, before the projection head)."""
        return self.net.encode(x)
