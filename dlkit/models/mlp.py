"""Multilayer perceptron: a stack of fully connected layers.

Read top to bottom: the network, then how it checks its input.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["MLP"]

_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "leaky_relu": nn.LeakyReLU}


class MLP(nn.Module):
    r"""A feed-forward network: ``Linear -> activation -> Dropout`` per hidden layer, then a linear output layer.

    Each hidden layer computes $h = \phi(W x + b)$; the output layer returns raw scores (logits for
    classification, values for regression). Inputs of shape ``(N, *)`` are flattened to ``(N, in_features)``,
    so an MLP takes digit images ``(N, 1, 8, 8)`` as well as flat vectors ``(N, 64)``.

    Args:
        in_features: number of input features (the product of the non-batch input dimensions).
        out_features: number of outputs (classes, or regression targets).
        hidden_dims: width of each hidden layer; ``()`` gives a linear model.
        dropout: dropout probability after each hidden activation.
        activation: one of ``"relu"``, ``"gelu"``, ``"tanh"``, ``"sigmoid"``, ``"leaky_relu"``.

    Example:
        >>> import torch
        >>> from dlkit.models.mlp import MLP
        >>> net = MLP(in_features=64, out_features=10, hidden_dims=(128, 64))
        >>> net(torch.zeros(5, 64)).shape
        torch.Size([5, 10])
        >>> sum(p.numel() for p in net.parameters())  # 64*128+128 + 128*64+64 + 64*10+10
        17226
    """

    def __init__(
        self,
        *,
        in_features: int,
        out_features: int,
        hidden_dims: Sequence[int] = (128,),
        dropout: float = 0.0,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"Expected activation to be one of {sorted(_ACTIVATIONS)}, but got {activation!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"Expected dropout in [0, 1), but got {dropout}")
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Expected positive in_features and out_features, but got {in_features} and {out_features}")
        self.in_features = in_features
        layers: list[nn.Module] = []
        width = in_features
        for hidden_dim in hidden_dims:
            layers += [nn.Linear(width, hidden_dim), _ACTIVATIONS[activation](), nn.Dropout(dropout)]
            width = hidden_dim
        layers.append(nn.Linear(width, out_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim < 2:
            raise ValueError(f"Expected input of shape (N, {self.in_features}) or (N, ...), but got shape {tuple(x.shape)}")
        x = x.flatten(start_dim=1)  # (N, *) -> (N, in_features)
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"Expected {self.in_features} features per sample, but got {x.shape[1]} (input shape {tuple(x.shape)})"
            )
        return self.layers(x)
