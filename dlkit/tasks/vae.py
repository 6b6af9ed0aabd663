"""The variational autoencoder's objective: maximise the ELBO, a reconstruction term minus a KL term."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from dlkit.models.vae import VAEOutput, gaussian_kl
from dlkit.tasks.autoencoder import AutoencoderTask

__all__ = ["VAETask"]


class VAETask(AutoencoderTask):
    r"""Train a ``dlkit.models.vae.VAE`` by maximising the evidence lower bound (ELBO) on $\log p(x)$:

    $$
    \mathrm{ELBO}(x) = \underbrace{\mathbb E_{q(z\mid x)}\big[\log p(x \mid z)\big]}_{-\,\text{reconstruction}}
    - \underbrace{\mathrm{KL}\big(q(z \mid x) \,\|\, p(z)\big)}_{\ge 0}
    $$

    The reconstruction term is the Bernoulli cross-entropy of the decoder's logits, summed over the values of a
    sample (one draw of $z$ per sample); the KL term has a closed form (``gaussian_kl``). The loss is
    ``recon + beta * kl`` (``beta = 1``: the negative ELBO). Logs ``{stage}_loss``, ``_recon``, ``_kl`` and
    ``_elbo`` (nats per sample) once per epoch.

    With ``noise_std > 0`` (see ``AutoencoderTask``) the encoder reads $x + \sigma\varepsilon$ and the
    ELBO scores the clean $x$: a denoising VAE.

    Args:
        beta: weight of the KL term (a beta-VAE for ``beta != 1``).
        **task_kwargs: ``model`` (e.g. ``"dlkit.models.vae.VAE"``), ``model_kwargs``, ``noise_std``, ``l1`` and the
            optimiser options: see ``AutoencoderTask`` and ``dlkit.tasks.base.SupervisedTask``.

    Example:
        >>> import torch
        >>> from dlkit.models.vae import VAE
        >>> from dlkit.tasks.vae import VAETask
        >>> task = VAETask(model=VAE, model_kwargs={"in_features": 64, "latent_dim": 2})
        >>> x = torch.rand(8, 64)
        >>> sorted(task.losses(task.net(x), x))
        ['elbo', 'kl', 'loss', 'recon']
        >>> task(torch.rand(3, 64)).shape  # the reconstruction of the code's mean: probabilities
        torch.Size([3, 64])
    """

    def __init__(self, *, beta: float = 1.0, **task_kwargs: Any) -> None:
        if beta < 0:
            raise ValueError(f"Expected beta >= 0, but got {beta}")
        super().__init__(**task_kwargs)
        for method in ("encode", "decode", "sample"):
            if not hasattr(self.net, method):
                raise ValueError(f"Expected a VAE-like network with a {method}() method, but got {type(self.net).__name__}")
        self.beta = beta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Deterministic reconstruction: decode the mean code, return pixel probabilities in ``x``'s shape."""
        mean, _ = self.net.encode(x)
        return torch.sigmoid(self.net.decode(mean)).reshape(x.shape)

    def losses(self, outputs: VAEOutput, targets: torch.Tensor) -> dict[str, torch.Tensor]:
        """The negative ELBO (``"loss"``, with ``beta``) and its terms, per sample, from ``self.net(x)``'s output."""
        if targets.min() < 0 or targets.max() > 1:
            raise ValueError(
                f"Expected inputs in [0, 1] (Bernoulli pixels), but got values from {targets.min():.3g} to {targets.max():.3g}"
            )
        recon = F.binary_cross_entropy_with_logits(outputs.logits, targets, reduction="none").flatten(start_dim=1).sum(dim=1)
        kl = gaussian_kl(outputs.mean, outputs.log_var)
        return {
            "loss": (recon + self.beta * kl).mean(),
            "recon": recon.mean(),
            "kl": kl.mean(),
            "elbo": -(recon + kl).mean(),
        }

    def predictions(self, outputs: VAEOutput) -> torch.Tensor:
        """Pixel probabilities of a sampled reconstruction."""
        return torch.sigmoid(outputs.logits)

    def sample(self, num_samples: int, *, seed: int | None = None) -> torch.Tensor:
        """Decode codes drawn from the prior; the same ``seed`` gives the same samples (see ``VAE.sample``)."""
        return self.net.sample(num_samples, seed=seed)
