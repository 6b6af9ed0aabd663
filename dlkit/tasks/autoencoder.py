"""Reconstruction: train an autoencoder to rebuild its input, optionally from a noisy copy (denoising).

The labels in a batch ``(x, y)`` are ignored: the target is ``x`` itself.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from dlkit.tasks.base import SupervisedTask

__all__ = ["AutoencoderTask", "add_noise"]


def add_noise(x: torch.Tensor, noise_std: float, *, seed: int | None = None) -> torch.Tensor:
    r"""Corrupt ``x`` with Gaussian noise: $\tilde x = x + \sigma\varepsilon$, $\varepsilon \sim
    \mathcal N(0, I)$. ``seed`` draws the same noise on every device; ``None`` uses torch's global generator.

    Example:
        >>> import torch
        >>> from dlkit.tasks.autoencoder import add_noise
        >>> x = torch.zeros(1000, 64)
        >>> round(add_noise(x, 0.5, seed=0).std().item(), 1)
        0.5
        >>> torch.equal(add_noise(x, 0.5, seed=0), add_noise(x, 0.5, seed=0))
        True
    """
    if noise_std < 0:
        raise ValueError(f"Expected noise_std >= 0, but got {noise_std}")
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    noise = torch.randn(x.shape, generator=generator) if generator is not None else torch.randn_like(x)
    return x + noise_std * noise.to(x.device)


class AutoencoderTask(SupervisedTask):
    r"""Train a network to reconstruct its input with the mean squared error
    $\frac1{ND}\sum_i \lVert \hat x_i - x_i \rVert^2$ (the **reconstruction error**).

    With ``noise_std > 0`` it is a **denoising** autoencoder: the network sees $x + \sigma\varepsilon$
    and is scored against the clean $x$, in training, validation and test alike.
    Logs ``{train,val,test}_loss`` once per epoch. Batches are ``x`` or ``(x, y)``; labels are not used.

    Args:
        noise_std: standard deviation of the Gaussian noise added to the inputs (0: a plain autoencoder).
        **task_kwargs: ``model`` (e.g. ``"dlkit.models.autoencoder.Autoencoder"``), ``model_kwargs``, ``l1`` and
            the optimiser options: see ``dlkit.tasks.base.SupervisedTask``.

    Example:
        >>> import torch
        >>> from dlkit.models.autoencoder import Autoencoder
        >>> from dlkit.tasks.autoencoder import AutoencoderTask
        >>> task = AutoencoderTask(model=Autoencoder, model_kwargs={"in_features": 64, "latent_dim": 4})
        >>> task.hparams.model
        'dlkit.models.autoencoder.Autoencoder'
        >>> task(torch.rand(2, 64)).shape, task.reconstruction_error(torch.rand(2, 64)).shape
        (torch.Size([2, 64]), torch.Size([2]))
    """

    def __init__(self, *, noise_std: float = 0.0, **task_kwargs: Any) -> None:
        if noise_std < 0:
            raise ValueError(f"Expected noise_std >= 0, but got {noise_std}")
        super().__init__(**task_kwargs)
        self.noise_std = noise_std

    def inputs_and_targets(self, batch: Any, stage: str, batch_idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch  # labels, if any, are not used
        return (add_noise(x, self.noise_std) if self.noise_std > 0 else x), x

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(outputs, targets)

    @torch.no_grad()
    def reconstruction_error(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample mean squared reconstruction error of clean inputs, shape ``(N,)`` (for anomaly scores)."""
        x = x.to(self.device)
        return (self(x) - x).pow(2).flatten(start_dim=1).mean(dim=1)
