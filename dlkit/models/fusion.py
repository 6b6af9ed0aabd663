"""Multi-modal fusion: early (concatenate the inputs, one network) and late (one network per modality, average).

A batch carries the modalities side by side in one tensor ``(N, dim_a + dim_b)``; ``split_dims`` tells a fusion
model where one modality ends, so both models train with ``ClassificationTask`` and any array data module.

- **Early fusion** feeds the concatenated inputs to one MLP: the first layer can combine features across
  modalities (a pixel with an attribute).
- **Late fusion** trains one MLP per modality and adds their logits: each modality is read on its own, and only the
  decisions are combined (a product of the two softmax distributions, up to normalisation).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.mlp import MLP

__all__ = ["EarlyFusion", "LateFusion"]


def _check_split(x: torch.Tensor, split_dims: tuple[int, ...]) -> None:
    if x.ndim != 2 or x.shape[1] != sum(split_dims):
        raise ValueError(
            f"Expected inputs of shape (N, {sum(split_dims)}) (modalities of sizes {split_dims} side by side), "
            f"but got {tuple(x.shape)}"
        )


def _modality_sizes(split_dims: Sequence[int]) -> tuple[int, ...]:
    if len(split_dims) < 2 or any(d < 1 for d in split_dims):
        raise ValueError(f"Expected two or more positive modality sizes, but got {tuple(split_dims)}")
    return tuple(split_dims)


class EarlyFusion(nn.Module):
    """One MLP on the concatenated modalities.

    Args:
        split_dims: the size of each modality, in the order they sit in the input.
        out_features: number of classes.
        hidden_dims: the MLP's hidden layers.

    Example:
        >>> import torch
        >>> from dlkit.models.fusion import EarlyFusion
        >>> net = EarlyFusion(split_dims=(64, 5), out_features=10)
        >>> net(torch.zeros(3, 69)).shape
        torch.Size([3, 10])
        >>> net(torch.zeros(3, 64))
        Traceback (most recent call last):
        ...
        ValueError: Expected inputs of shape (N, 69) (modalities of sizes (64, 5) side by side), but got (3, 64)
    """

    def __init__(self, *, split_dims: Sequence[int], out_features: int, hidden_dims: Sequence[int] = (64,)) -> None:
        super().__init__()
        self.split_dims = _modality_sizes(split_dims)
        self.mlp = MLP(in_features=sum(self.split_dims), out_features=out_features, hidden_dims=hidden_dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_split(x, self.split_dims)
        return self.mlp(x)  # (N, out_features)


class LateFusion(nn.Module):
    """One MLP per modality; the logits are added.

    Args:
        split_dims: the size of each modality, in the order they sit in the input.
        out_features: number of classes.
        hidden_dims: each modality's MLP's hidden layers.

    Example:
        >>> import torch
        >>> from dlkit.models.fusion import LateFusion
        >>> net = LateFusion(split_dims=(64, 5), out_features=10)
        >>> x = torch.randn(3, 69)
        >>> parts = [branch(p) for branch, p in zip(net.branches, x.split([64, 5], dim=1))]
        >>> torch.equal(net(x), parts[0] + parts[1])
        True
    """

    def __init__(self, *, split_dims: Sequence[int], out_features: int, hidden_dims: Sequence[int] = (64,)) -> None:
        super().__init__()
        self.split_dims = _modality_sizes(split_dims)
        self.branches = nn.ModuleList(
            MLP(in_features=d, out_features=out_features, hidden_dims=hidden_dims) for d in self.split_dims
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_split(x, self.split_dims)
        parts = x.split(list(self.split_dims), dim=1)  # one (N, d) block per modality
        return torch.stack([branch(part) for branch, part in zip(self.branches, parts)]).sum(dim=0)
