"""Reconstruction: train an autoencoder to rebuild its input, optionally from a noisy copy (denoising).

The labels in a batch ``(x, y)`` are ignored: the target is ``x`` itself.
"""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn

from dlkit.models import build_model, model_path
from dlkit.tasks.base import OPTIMIZERS, build_optimizer

__all__ = ["AutoencoderTask", "add_noise"]


def add_noise(x: torch.Tensor, noise_std: float, *, seed: int | None = None) -> torch.Tensor:
    r"""Corrupt ``x`` with Gaussian noise: :math:`\tilde x = x + \sigma\varepsilon`, :math:`\varepsilon \sim
    \mathcal N(0, I)`. ``seed`` draws the same noise on every device; ``None`` uses torch's global generator.

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


class AutoencoderTask(pl.LightningModule):
    r"""Train a network to reconstruct its input with the mean squared error
    :math:`\frac1{ND}\sum_i \lVert \hat x_i - x_i \rVert^2` (the **reconstruction error**).

    With ``noise_std > 0`` it is a **denoising** autoencoder: the network sees :math:`x + \sigma\varepsilon`
    and is scored against the clean :math:`x`, in training, validation and test alike.
    Logs ``{train,val,test}_loss`` once per epoch.

    Args:
        model: the network class or its import path, e.g. ``"dlkit.models.autoencoder.Autoencoder"``.
        model_kwargs: the network's keyword arguments.
        noise_std: standard deviation of the Gaussian noise added to the inputs (0: a plain autoencoder).
        lr, optimizer, weight_decay: see ``dlkit.tasks.base.build_optimizer``.

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

    _not_hyperparameters: tuple[str, ...] = ()  # base-class arguments a subclass fixes (not in its signature)

    def __init__(
        self,
        *,
        model: str | type[nn.Module],
        model_kwargs: dict[str, Any] | None = None,
        noise_std: float = 0.0,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"Expected optimizer to be one of {sorted(OPTIMIZERS)}, but got {optimizer!r}")
        if noise_std < 0:
            raise ValueError(f"Expected noise_std >= 0, but got {noise_std}")
        self.net = build_model(model, model_kwargs)
        self._store_hyperparameters()

    def _store_hyperparameters(self) -> None:
        """Save the constructor arguments (of the most derived class), the network class as its import path."""
        self.save_hyperparameters(ignore=list(self._not_hyperparameters))
        self.hparams["model"] = model_path(self.hparams["model"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def losses(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The terms to log for one batch; ``"loss"`` is minimised. Subclasses (the VAE) add their own."""
        x_in = add_noise(x, self.hparams.noise_std) if self.hparams.noise_std > 0 else x
        return {"loss": F.mse_loss(self(x_in), x)}

    @torch.no_grad()
    def reconstruction_error(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample mean squared reconstruction error of clean inputs, shape ``(N,)`` (for anomaly scores)."""
        x = x.to(self.device)
        return (self(x) - x).pow(2).flatten(start_dim=1).mean(dim=1)

    def _step(self, batch: Any, stage: str) -> torch.Tensor:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch  # labels, if any, are not used
        terms = self.losses(x)
        for name, value in terms.items():
            self.log(f"{stage}_{name}", value, on_step=False, on_epoch=True, prog_bar=name == "loss", batch_size=len(x))
        return terms["loss"]

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "val")

    def test_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "test")

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self(x)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        hp = self.hparams
        return build_optimizer(hp.optimizer, self.parameters(), lr=hp.lr, weight_decay=hp.weight_decay)
