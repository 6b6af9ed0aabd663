"""The variational autoencoder's objective: maximise the ELBO, a reconstruction term minus a KL term."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dlkit.models.vae import gaussian_kl
from dlkit.tasks.autoencoder import AutoencoderTask

__all__ = ["VAETask"]


class VAETask(AutoencoderTask):
    r"""Train a ``dlkit.models.vae.VAE`` by maximising the evidence lower bound (ELBO) on :math:`\log p(x)`:

    .. math::
        \mathrm{ELBO}(x) = \underbrace{\mathbb E_{q(z\mid x)}\big[\log p(x \mid z)\big]}_{-\,\text{reconstruction}}
        - \underbrace{\mathrm{KL}\big(q(z \mid x) \,\|\, p(z)\big)}_{\ge 0}

    The reconstruction term is the Bernoulli cross-entropy of the decoder's logits, summed over the values of a
    sample (one draw of :math:`z` per sample); the KL term has a closed form (``gaussian_kl``). The loss is
    ``recon + beta * kl`` (``beta = 1``: the negative ELBO). Logs ``{stage}_loss``, ``_recon``, ``_kl`` and
    ``_elbo`` (nats per sample) once per epoch.

    Args:
        model: the network class or its import path, e.g. ``"dlkit.models.vae.VAE"``.
        model_kwargs: the network's keyword arguments.
        beta: weight of the KL term (a beta-VAE for ``beta != 1``).
        lr, optimizer, weight_decay: see ``dlkit.tasks.base.build_optimizer``.

    Example:
        >>> import torch
        >>> from dlkit.models.vae import VAE
        >>> from dlkit.tasks.vae import VAETask
        >>> task = VAETask(model=VAE, model_kwargs={"in_features": 64, "latent_dim": 2})
        >>> sorted(task.losses(torch.rand(8, 64)))
        ['elbo', 'kl', 'loss', 'recon']
        >>> task(torch.rand(3, 64)).shape  # the reconstruction of the code's mean: probabilities
        torch.Size([3, 64])
    """

    _not_hyperparameters = ("noise_std",)  # the VAE's own sampling is its noise

    def __init__(
        self,
        *,
        model: str | type[nn.Module],
        model_kwargs: dict[str, Any] | None = None,
        beta: float = 1.0,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
    ) -> None:
        if beta < 0:
            raise ValueError(f"Expected beta >= 0, but got {beta}")
        super().__init__(model=model, model_kwargs=model_kwargs, lr=lr, optimizer=optimizer, weight_decay=weight_decay)
        for method in ("encode", "decode", "sample"):
            if not hasattr(self.net, method):
                raise ValueError(f"Expected a VAE-like network with a {method}() method, but got {type(self.net).__name__}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Deterministic reconstruction: decode the mean code, return pixel probabilities in ``x``'s shape."""
        mean, _ = self.net.encode(x)
        return torch.sigmoid(self.net.decode(mean)).reshape(x.shape)

    def losses(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if x.min() < 0 or x.max() > 1:
            raise ValueError(
                f"Expected inputs in [0, 1] (Bernoulli pixels), but got values from {x.min():.3g} to {x.max():.3g}"
            )
        out = self.net(x)
        recon = F.binary_cross_entropy_with_logits(out.logits, x, reduction="none").flatten(start_dim=1).sum(dim=1)
        kl = gaussian_kl(out.mean, out.log_var)
        return {
            "loss": (recon + self.hparams.beta * kl).mean(),
            "recon": recon.mean(),
            "kl": kl.mean(),
            "elbo": -(recon + kl).mean(),
        }

    def sample(self, num_samples: int, *, seed: int | None = None) -> torch.Tensor:
        """Decode codes drawn from the prior; the same ``seed`` gives the same samples (see ``VAE.sample``)."""
        return self.net.sample(num_samples, seed=seed)
