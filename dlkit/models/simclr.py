"""SimCLR's network (Chen et al., 2020): an encoder whose output is the representation, and a projection head.

The contrastive loss is computed on the head's output $z$; the representation $h$ *before* the head is the one
reused afterwards (a linear probe, fine-tuning): the head is free to discard what the loss does not need.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.mlp import MLP

__all__ = ["SimCLRNet"]


class SimCLRNet(nn.Module):
    """An MLP encoder ``x -> h`` and an MLP projection head ``h -> z``; ``forward`` returns ``z``.

    Args:
        in_features: input features per sample (64 for 8x8 digits; images are flattened).
        hidden_dims: the encoder's hidden layers.
        rep_dim: size of the representation $h$.
        proj_dim: size of the projection $z$ that the contrastive loss sees.

    Example:
        >>> import torch
        >>> from dlkit.models.simclr import SimCLRNet
        >>> net = SimCLRNet(in_features=64, rep_dim=32, proj_dim=16)
        >>> x = torch.zeros(5, 1, 8, 8)
        >>> tuple(net(x).shape), tuple(net.encode(x).shape)
        ((5, 16), (5, 32))
    """

    def __init__(
        self, *, in_features: int, hidden_dims: Sequence[int] = (256,), rep_dim: int = 64, proj_dim: int = 32
    ) -> None:
        super().__init__()
        self.encoder = MLP(in_features=in_features, out_features=rep_dim, hidden_dims=hidden_dims)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(rep_dim, rep_dim), nn.ReLU(), nn.Linear(rep_dim, proj_dim))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The representation $h$, shape ``(N, rep_dim)``."""
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))  # (N, proj_dim)
