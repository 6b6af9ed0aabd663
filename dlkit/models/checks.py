"""Input checks shared by the vision networks: one helper, one place."""

from __future__ import annotations

import torch

__all__ = ["check_images", "check_image_size"]


def check_images(x: torch.Tensor, in_channels: int, image_size: int) -> None:
    """Raise a clear ``ValueError`` unless ``x`` is a batch of shape ``(N, in_channels, image_size, image_size)``.

    Example:
        >>> import torch
        >>> from dlkit.models.checks import check_images
        >>> check_images(torch.zeros(2, 1, 8, 8), in_channels=1, image_size=8)  # fine: returns None
        >>> check_images(torch.zeros(2, 8, 8), in_channels=1, image_size=8)
        Traceback (most recent call last):
        ...
        ValueError: Expected images of shape (N, 1, 8, 8), but got (2, 8, 8)
    """
    expected = (in_channels, image_size, image_size)
    if x.ndim != 4 or tuple(x.shape[1:]) != expected:
        raise ValueError(f"Expected images of shape (N, {', '.join(map(str, expected))}), but got {tuple(x.shape)}")


def check_image_size(image_size: int, divisor: int, why: str) -> None:
    """Raise a clear ``ValueError`` unless ``image_size`` is a positive multiple of ``divisor``.

    Example:
        >>> from dlkit.models.checks import check_image_size
        >>> check_image_size(8, 4, "two 2x2 poolings")
        >>> check_image_size(6, 4, "two 2x2 poolings")
        Traceback (most recent call last):
        ...
        ValueError: Expected image_size divisible by 4 (two 2x2 poolings), but got 6
    """
    if image_size < divisor or image_size % divisor != 0:
        raise ValueError(f"Expected image_size divisible by {divisor} ({why}), but got {image_size}")
