"""Helpers the generative models share: checking flat samples, and seeded noise for the latent codes."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["check_samples", "latent_noise", "module_device"]


def check_samples(x: torch.Tensor, in_features: int) -> torch.Tensor:
    """Check that ``x`` is a batch ``(N, *)`` of ``in_features`` values per sample; return it unchanged.

    Example:
        >>> import torch
        >>> from dlkit.models.latent import check_samples
        >>> check_samples(torch.zeros(2, 1, 8, 8), 64).shape
        torch.Size([2, 1, 8, 8])
    """
    if x.ndim < 2 or math.prod(x.shape[1:]) != in_features:
        raise ValueError(
            f"Expected a batch of shape (N, {in_features}) or (N, ...) with {in_features} values per sample, "
            f"but got shape {tuple(x.shape)}"
        )
    return x


def latent_noise(num_samples: int, latent_dim: int, *, seed: int | None = None) -> torch.Tensor:
    """Standard-normal codes ``(num_samples, latent_dim)``, drawn on the CPU so that a seed gives the same draws
    on every device; ``seed=None`` uses torch's global generator (seeded by ``pl.seed_everything``).

    Example:
        >>> import torch
        >>> from dlkit.models.latent import latent_noise
        >>> latent_noise(4, 2, seed=1).shape
        torch.Size([4, 2])
        >>> torch.equal(latent_noise(4, 2, seed=1), latent_noise(4, 2, seed=1))
        True
    """
    if num_samples < 1:
        raise ValueError(f"Expected num_samples >= 1, but got {num_samples}")
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    return torch.randn(num_samples, latent_dim, generator=generator)


def module_device(module: nn.Module) -> torch.device:
    """The device of a module's parameters (where new inputs for it must go)."""
    return next(module.parameters()).device
