"""Adversarial training with Lightning's manual optimisation: two networks, two optimisers, alternating steps.

``dlkit.callbacks.GeneratedSamples`` keeps the generator's images for fixed noise after every epoch, to watch
samples (and their quality) improve over training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dlkit.models import build_model
from dlkit.tasks.base import Task

__all__ = ["GANTask"]


class GANTask(Task):
    r"""Train a generator $G$ against a discriminator $D$ on the GAN objective

    $$
    \min_G \max_D \; \mathbb E_x\big[\log D(x)\big] + \mathbb E_z\big[\log\big(1 - D(G(z))\big)\big].
    $$

    Each training step takes one Adam step for each network (both optimisers built by ``Task``), with **manual
    optimisation** (``automatic_optimization = False``, ``self.optimizers()``, ``self.manual_backward``):

    1. discriminator: binary cross-entropy pushing $D(x) \to 1$ on real and $D(G(z)) \to 0$ on fake
       images (the fakes detached, so this step leaves $G$ alone);
    2. generator: the non-saturating loss $-\log D(G(z))$, i.e. cross-entropy against the label "real".

    With a conditional pair (``num_classes > 0`` on both), real images come with their labels and fakes are
    generated for random labels. Logs ``d_loss``, ``g_loss``, ``d_real`` and ``d_fake`` (mean probability
    $D$ assigns to real and fake images) once per epoch. Batches are ``(images, labels)`` in [-1, 1].

    Args:
        generator, discriminator: the network classes (or import paths), e.g. ``MLPGenerator``, ``MLPDiscriminator``.
        generator_kwargs, discriminator_kwargs: their keyword arguments.
        lr: Adam learning rate of both networks.
        beta1: Adam's first momentum coefficient (0.5 as in DCGAN; 0.9 is Adam's default).

    Example:
        >>> import torch
        >>> from dlkit.models.gan import MLPDiscriminator, MLPGenerator
        >>> from dlkit.tasks.gan import GANTask
        >>> task = GANTask(generator=MLPGenerator, generator_kwargs={"latent_dim": 8},
        ...                discriminator=MLPDiscriminator)
        >>> task.automatic_optimization, task.hparams.generator
        (False, 'dlkit.models.gan.MLPGenerator')
        >>> task(torch.randn(4, 8)).shape  # forward: noise -> images
        torch.Size([4, 1, 8, 8])
        >>> torch.equal(task.sample(4, seed=0), task.sample(4, seed=0))
        True
    """

    def __init__(
        self,
        *,
        generator: str | type[nn.Module],
        discriminator: str | type[nn.Module],
        generator_kwargs: dict[str, Any] | None = None,
        discriminator_kwargs: dict[str, Any] | None = None,
        lr: float = 2e-4,
        beta1: float = 0.5,
    ) -> None:
        if not 0.0 <= beta1 < 1.0:
            raise ValueError(f"Expected beta1 in [0, 1), but got {beta1}")
        super().__init__(lr=lr, optimizer="adam", betas=(beta1, 0.999))
        self.automatic_optimization = False  # two optimisers, stepped by hand in training_step
        self.generator = build_model(generator, generator_kwargs)
        self.discriminator = build_model(discriminator, discriminator_kwargs)
        g_classes = getattr(self.generator, "num_classes", 0)
        d_classes = getattr(self.discriminator, "num_classes", 0)
        if g_classes != d_classes:
            raise ValueError(
                f"Expected generator and discriminator with the same num_classes, but got {g_classes} and {d_classes}"
            )
        self.num_classes = g_classes

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z, y)

    def sample(
        self, num_samples: int, *, labels: torch.Tensor | Sequence[int] | None = None, seed: int | None = None
    ) -> torch.Tensor:
        """Images from the generator; the same ``seed`` (and labels) gives the same images on any device."""
        was_training = self.generator.training
        self.generator.eval()
        try:
            return self.generator.sample(num_samples, labels=labels, seed=seed)
        finally:
            self.generator.train(was_training)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        x, y = batch
        real_labels = y if self.num_classes else None
        opt_g, opt_d = self.optimizers()
        n = len(x)
        z = torch.randn(n, self.generator.latent_dim, device=self.device)
        fake_labels = torch.randint(0, self.num_classes, (n,), device=self.device) if self.num_classes else None
        fake = self.generator(z, fake_labels)
        ones, zeros = torch.ones(n, device=self.device), torch.zeros(n, device=self.device)

        # 1. Discriminator: real -> 1, fake -> 0. detach(): no gradient reaches the generator here.
        real_logits = self.discriminator(x, real_labels)
        fake_logits = self.discriminator(fake.detach(), fake_labels)
        d_loss = F.binary_cross_entropy_with_logits(real_logits, ones) + F.binary_cross_entropy_with_logits(
            fake_logits, zeros
        )
        opt_d.zero_grad()
        self.manual_backward(d_loss)
        opt_d.step()

        # 2. Generator: make the (just updated) discriminator call the fakes real.
        g_loss = F.binary_cross_entropy_with_logits(self.discriminator(fake, fake_labels), ones)
        opt_g.zero_grad()
        self.manual_backward(g_loss)
        opt_g.step()

        terms = {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "d_real": torch.sigmoid(real_logits).mean(),
            "d_fake": torch.sigmoid(fake_logits).mean(),
        }
        self.log_terms(terms, stage="train", batch_size=n, prefix=False)  # d_loss, g_loss, ...

    def optimized_parameters(self) -> list[Any]:
        """Two optimisers: the generator's (``self.optimizers()[0]``) and the discriminator's."""
        return [self.generator.parameters(), self.discriminator.parameters()]
