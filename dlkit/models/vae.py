"""Variational autoencoder: the encoder outputs a Gaussian over codes, the decoder a Bernoulli over pixels.

Read top to bottom: the KL term, the reparameterisation trick, the network. The ELBO objective that combines them
lives in ``dlkit.tasks.vae``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from dlkit.models.latent import check_samples, latent_noise, module_device
from dlkit.models.mlp import MLP

__all__ = ["VAE", "VAEOutput", "gaussian_kl", "reparameterize"]


def gaussian_kl(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    r"""Per-sample $\mathrm{KL}\big(\mathcal N(\mu, \sigma^2) \,\|\, \mathcal N(0, I)\big)
    = -\tfrac12 \sum_j \big(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\big)$, shape ``(N,)``; never negative.

    Example:
        >>> import torch
        >>> from dlkit.models.vae import gaussian_kl
        >>> gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3)) == 0  # the prior itself: no divergence
        tensor([True, True])
        >>> gaussian_kl(torch.ones(1, 2), torch.zeros(1, 2))  # mean 1 in two dimensions: 2 * 1/2
        tensor([1.])
    """
    return -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(dim=1)


def reparameterize(mean: torch.Tensor, log_var: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
    r"""Draw $z = \mu + \sigma \odot \varepsilon$ with $\varepsilon \sim \mathcal N(0, I)$.

    The randomness sits in $\varepsilon$, outside the network, so gradients flow from ``z`` back to
    ``mean`` and ``log_var`` (sampling $z \sim \mathcal N(\mu, \sigma^2)$ directly would cut them).

    Args:
        mean, log_var: ``(N, latent_dim)`` parameters of the encoder's Gaussian.
        noise: ``(N, latent_dim)`` standard-normal draws; drawn here when ``None``.

    Example:
        >>> import torch
        >>> from dlkit.models.vae import reparameterize
        >>> mean = torch.zeros(1, 2, requires_grad=True)
        >>> z = reparameterize(mean, torch.zeros(1, 2), noise=torch.tensor([[1.0, -1.0]]))
        >>> z
        tensor([[ 1., -1.]], grad_fn=<AddBackward0>)
        >>> z.sum().backward(); mean.grad  # dz/dmean = 1: the gradient reaches the encoder
        tensor([[1., 1.]])
    """
    if noise is None:
        noise = torch.randn_like(mean)
    return mean + (0.5 * log_var).exp() * noise


class VAEOutput(NamedTuple):
    """What ``VAE.forward`` returns: reconstruction logits (the input's shape) and the code's Gaussian."""

    logits: torch.Tensor
    mean: torch.Tensor
    log_var: torch.Tensor


class VAE(nn.Module):
    r"""A variational autoencoder with MLP encoder and decoder.

    The encoder maps $x$ to the mean $\mu$ and log-variance $\log\sigma^2$ of
    $q(z \mid x) = \mathcal N(\mu, \sigma^2)$; a code $z$ is drawn with the reparameterisation trick;
    the decoder maps it to one logit per value, the parameters of Bernoulli pixels $p(x \mid z)$.
    New samples come from decoding $z \sim \mathcal N(0, I)$, the prior.

    Args:
        in_features: values per input sample (64 for the 8x8 digits), expected in [0, 1].
        latent_dim: size of the code, at least 1.
        hidden_dims: widths of the encoder's hidden layers (the decoder uses them in reverse).

    Example:
        >>> import torch
        >>> from dlkit.models.vae import VAE
        >>> net = VAE(in_features=64, latent_dim=2, hidden_dims=(128,))
        >>> out = net(torch.rand(5, 64))
        >>> out.logits.shape, out.mean.shape, out.log_var.shape
        (torch.Size([5, 64]), torch.Size([5, 2]), torch.Size([5, 2]))
        >>> net.sample(3, seed=0).shape
        torch.Size([3, 64])
        >>> torch.equal(net.sample(3, seed=0), net.sample(3, seed=0))
        True
    """

    def __init__(self, *, in_features: int = 64, latent_dim: int = 2, hidden_dims: Sequence[int] = (256,)) -> None:
        super().__init__()
        if latent_dim < 1:
            raise ValueError(f"Expected latent_dim >= 1, but got {latent_dim}")
        self.in_features, self.latent_dim = in_features, latent_dim
        self.encoder = MLP(in_features=in_features, out_features=2 * latent_dim, hidden_dims=tuple(hidden_dims))
        self.decoder = MLP(in_features=latent_dim, out_features=in_features, hidden_dims=tuple(reversed(hidden_dims)))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The Gaussian $q(z \\mid x)$: ``(N, *)`` -> mean and log-variance, each ``(N, latent_dim)``."""
        mean, log_var = self.encoder(check_samples(x, self.in_features)).chunk(2, dim=1)  # (N, 2L) -> 2 x (N, L)
        return mean, log_var

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Pixel logits from codes: ``(N, latent_dim)`` -> ``(N, in_features)``."""
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"Expected codes of shape (N, {self.latent_dim}), but got {tuple(z.shape)}")
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> VAEOutput:
        mean, log_var = self.encode(x)
        logits = self.decode(reparameterize(mean, log_var)).reshape(x.shape)  # (N, in_features) -> input's shape
        return VAEOutput(logits, mean, log_var)

    @torch.no_grad()
    def sample(self, num_samples: int, *, seed: int | None = None) -> torch.Tensor:
        """Decode ``num_samples`` codes drawn from the prior $\\mathcal N(0, I)$: pixel probabilities
        ``(num_samples, in_features)``. The same ``seed`` gives the same samples on any device."""
        z = latent_noise(num_samples, self.latent_dim, seed=seed).to(module_device(self))
        return torch.sigmoid(self.decode(z))

