"""Autoencoder: an encoder squeezes each input through a narrow code (the bottleneck), a decoder rebuilds it.

Read top to bottom: the network (encoder and decoder are dlkit MLPs), then its checks. The training objective,
plain or denoising, lives in ``dlkit.tasks.autoencoder``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.latent import check_samples
from dlkit.models.mlp import MLP

__all__ = ["Autoencoder", "OUTPUT_ACTIVATIONS"]

# How the decoder's last layer maps to the data's range: pixels in [0, 1], in [-1, 1], or unbounded.
OUTPUT_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, None: nn.Identity}


class Autoencoder(nn.Module):
    r"""An undercomplete autoencoder: $\hat x = g(f(x))$ with a code $z = f(x)$ smaller than $x$.

    The encoder $f$ is an MLP ``in_features -> hidden_dims -> latent_dim``; the decoder $g$ mirrors it,
    ``latent_dim -> reversed(hidden_dims) -> in_features``, followed by ``output_activation``. Because
    ``latent_dim < in_features``, the network cannot copy its input: it must learn a compressed code.
    Inputs ``(N, *)`` are flattened; the reconstruction has the input's shape.

    Args:
        in_features: values per input sample (64 for the 8x8 digits).
        latent_dim: size of the code (the bottleneck), at least 1.
        hidden_dims: widths of the encoder's hidden layers (the decoder uses them in reverse).
        output_activation: ``"sigmoid"`` for data in [0, 1], ``"tanh"`` for [-1, 1], ``None`` for unbounded data.

    Example:
        >>> import torch
        >>> from dlkit.models.autoencoder import Autoencoder
        >>> net = Autoencoder(in_features=64, latent_dim=8, hidden_dims=(128,))
        >>> x = torch.rand(5, 1, 8, 8)
        >>> net.encode(x).shape, net(x).shape
        (torch.Size([5, 8]), torch.Size([5, 1, 8, 8]))
    """

    def __init__(
        self,
        *,
        in_features: int = 64,
        latent_dim: int = 8,
        hidden_dims: Sequence[int] = (128,),
        output_activation: str | None = "sigmoid",
    ) -> None:
        super().__init__()
        if latent_dim < 1:
            raise ValueError(f"Expected latent_dim >= 1, but got {latent_dim}")
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"Expected output_activation to be one of {list(OUTPUT_ACTIVATIONS)}, but got {output_activation!r}"
            )
        self.in_features, self.latent_dim = in_features, latent_dim
        self.encoder = MLP(in_features=in_features, out_features=latent_dim, hidden_dims=tuple(hidden_dims))
        self.decoder = nn.Sequential(
            MLP(in_features=latent_dim, out_features=in_features, hidden_dims=tuple(reversed(hidden_dims))),
            OUTPUT_ACTIVATIONS[output_activation](),
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code of each sample: ``(N, *)`` -> ``(N, latent_dim)``."""
        return self.encoder(check_samples(x, self.in_features))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Rebuild flat samples from codes: ``(N, latent_dim)`` -> ``(N, in_features)``."""
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"Expected codes of shape (N, {self.latent_dim}), but got {tuple(z.shape)}")
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x)).reshape(x.shape)  # (N, in_features) -> the input's shape

