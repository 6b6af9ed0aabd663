"""Generative adversarial networks: generators that turn noise into images, discriminators that tell real from fake.

Two families, each optionally *conditional* (``num_classes > 0``: the class label is an extra input to both
networks, so the generator can be asked for a given digit):

- ``MLPGenerator`` / ``MLPDiscriminator``: fully connected, the original GAN;
- ``DCGANGenerator`` / ``DCGANDiscriminator``: DCGAN-style, transposed convolutions up, strided convolutions down,
  batch norm, ReLU in the generator and LeakyReLU in the discriminator, ``tanh`` output.

Generators output images in [-1, 1]; discriminators output one logit per image. Read top to bottom: the label
checks and conditioning both families share, the generators, the discriminators. The adversarial training lives
in ``dlkit.tasks.gan``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.checks import check_image_size, check_images
from dlkit.models.latent import latent_noise, module_device
from dlkit.models.mlp import MLP

__all__ = ["MLPGenerator", "MLPDiscriminator", "DCGANGenerator", "DCGANDiscriminator", "check_labels"]


def check_labels(y: torch.Tensor | None, num_classes: int, num_samples: int) -> None:
    """Check class labels for a (conditional or not) GAN network: ``(N,)`` integers in ``[0, num_classes)``.

    Example:
        >>> import torch
        >>> from dlkit.models.gan import check_labels
        >>> check_labels(torch.tensor([0, 9]), num_classes=10, num_samples=2)
        >>> check_labels(torch.tensor([0, 10]), num_classes=10, num_samples=2)
        Traceback (most recent call last):
        ...
        ValueError: Expected class labels in [0, 9], but got values from 0 to 10
    """
    if num_classes == 0:
        if y is not None:
            raise ValueError("Expected no class labels for an unconditional network (num_classes=0), but got labels")
        return
    if y is None:
        raise ValueError(f"Expected class labels of shape ({num_samples},) for a conditional network, but got None")
    if y.dtype not in (torch.int64, torch.int32) or tuple(y.shape) != (num_samples,):
        raise ValueError(
            f"Expected integer class labels of shape ({num_samples},), but got {y.dtype} of shape {tuple(y.shape)}"
        )
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(
            f"Expected class labels in [0, {num_classes - 1}], but got values from {int(y.min())} to {int(y.max())}"
        )


def _check_sizes(latent_dim: int | None, image_size: int, channels: int, num_classes: int) -> None:
    if latent_dim is not None and latent_dim < 1:
        raise ValueError(f"Expected latent_dim >= 1, but got {latent_dim}")
    if image_size < 1 or channels < 1:
        raise ValueError(f"Expected positive image_size and image channels, but got {image_size} and {channels}")
    if num_classes < 0 or num_classes == 1:
        raise ValueError(f"Expected num_classes = 0 (unconditional) or >= 2 (conditional), but got {num_classes}")


class _Generator(nn.Module):
    """What both generators share: the noise (and label) input, its checks, and seeded sampling."""

    def __init__(self, *, latent_dim: int, image_size: int, out_channels: int, num_classes: int) -> None:
        super().__init__()
        _check_sizes(latent_dim, image_size, out_channels, num_classes)
        self.latent_dim, self.image_size, self.num_classes = latent_dim, image_size, num_classes
        self.out_channels = out_channels
        # A conditional generator reads a learned embedding of the label next to the noise.
        self.label_embedding = nn.Embedding(num_classes, latent_dim) if num_classes else None
        self.input_dim = 2 * latent_dim if num_classes else latent_dim

    def _inputs(self, z: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"Expected noise of shape (N, {self.latent_dim}), but got {tuple(z.shape)}")
        check_labels(y, self.num_classes, len(z))
        if self.label_embedding is None:
            return z
        return torch.cat([z, self.label_embedding(y)], dim=1)  # (N, L) + (N, L) -> (N, 2L)

    @torch.no_grad()
    def sample(
        self, num_samples: int, *, labels: torch.Tensor | Sequence[int] | None = None, seed: int | None = None
    ) -> torch.Tensor:
        """Generate ``num_samples`` images ``(N, out_channels, image_size, image_size)`` in [-1, 1].

        Args:
            num_samples: how many images.
            labels: for a conditional generator, the class of each image (``N`` integers).
            seed: the same seed gives the same images on any device; ``None`` uses torch's global generator.
        """
        device = module_device(self)
        z = latent_noise(num_samples, self.latent_dim, seed=seed).to(device)
        y = None if labels is None else torch.as_tensor(labels, dtype=torch.long, device=device)
        return self(z, y)


class MLPGenerator(_Generator):
    """A fully connected generator: noise (and label embedding) -> hidden layers -> ``tanh`` image.

    Args:
        latent_dim: size of the noise vector $z$, at least 1.
        image_size: height and width of the square output images.
        out_channels: channels of the images it writes (its discriminator's ``in_channels``).
        hidden_dims: widths of the hidden layers (LeakyReLU).
        num_classes: 0 for an unconditional generator, else the number of classes it can be asked for.

    Example:
        >>> import torch
        >>> from dlkit.models.gan import MLPGenerator
        >>> g = MLPGenerator(latent_dim=16, image_size=8, hidden_dims=(64,))
        >>> g(torch.randn(5, 16)).shape
        torch.Size([5, 1, 8, 8])
        >>> torch.equal(g.sample(4, seed=0), g.sample(4, seed=0))
        True
    """

    def __init__(
        self,
        *,
        latent_dim: int = 16,
        image_size: int = 8,
        out_channels: int = 1,
        hidden_dims: Sequence[int] = (128, 256),
        num_classes: int = 0,
    ) -> None:
        super().__init__(latent_dim=latent_dim, image_size=image_size, out_channels=out_channels, num_classes=num_classes)
        self.net = MLP(
            in_features=self.input_dim, out_features=out_channels * image_size * image_size,
            hidden_dims=tuple(hidden_dims), activation="leaky_relu",
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        images = torch.tanh(self.net(self._inputs(z, y)))
        return images.reshape(len(z), self.out_channels, self.image_size, self.image_size)  # (N, C*H*W) -> (N, C, H, W)


class DCGANGenerator(_Generator):
    """A DCGAN-style generator: project the noise to a small feature map, then double its size with strided
    transposed convolutions (batch norm, ReLU) up to the image, ``tanh`` at the end.

    Args:
        latent_dim: size of the noise vector, at least 1.
        image_size: output height and width; divisible by 4 (two upsampling steps, 2x2 -> 8x8 for digits).
        out_channels: channels of the images it writes.
        base_channels: channels of the last hidden feature map (the first has twice as many).
        num_classes: 0 for an unconditional generator, else the number of classes it can be asked for.

    Example:
        >>> import torch
        >>> from dlkit.models.gan import DCGANGenerator
        >>> g = DCGANGenerator(latent_dim=16, image_size=8, base_channels=32, num_classes=10)
        >>> g(torch.randn(3, 16), torch.tensor([0, 1, 2])).shape
        torch.Size([3, 1, 8, 8])
    """

    def __init__(
        self,
        *,
        latent_dim: int = 16,
        image_size: int = 8,
        out_channels: int = 1,
        base_channels: int = 32,
        num_classes: int = 0,
    ) -> None:
        super().__init__(latent_dim=latent_dim, image_size=image_size, out_channels=out_channels, num_classes=num_classes)
        check_image_size(image_size, 4, "two stride-2 upsamplings")
        self.start_size, self.start_channels = image_size // 4, 2 * base_channels
        self.project = nn.Linear(self.input_dim, self.start_channels * self.start_size**2, bias=False)
        self.up = nn.Sequential(
            nn.BatchNorm2d(self.start_channels),
            nn.ReLU(),
            nn.ConvTranspose2d(self.start_channels, base_channels, 4, stride=2, padding=1, bias=False),  # size x2
            nn.BatchNorm2d(base_channels),
            nn.ReLU(),
            nn.ConvTranspose2d(base_channels, out_channels, 4, stride=2, padding=1),  # size x2
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.project(self._inputs(z, y))
        h = h.reshape(len(z), self.start_channels, self.start_size, self.start_size)  # (N, C*s*s) -> (N, C, s, s)
        return self.up(h)  # (N, C, s, s) -> (N, out_channels, 4s, 4s)


class _Discriminator(nn.Module):
    """What both discriminators share: image and label checks, and the label as an extra input channel."""

    def __init__(self, *, image_size: int, in_channels: int, num_classes: int) -> None:
        super().__init__()
        _check_sizes(None, image_size, in_channels, num_classes)
        self.image_size, self.in_channels, self.num_classes = image_size, in_channels, num_classes
        # A conditional discriminator sees a learned image-sized map of the label as one more channel.
        self.label_map = nn.Embedding(num_classes, image_size * image_size) if num_classes else None
        self.input_channels = in_channels + (1 if num_classes else 0)

    def _inputs(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        check_images(x, self.in_channels, self.image_size)
        check_labels(y, self.num_classes, len(x))
        if self.label_map is None:
            return x
        label_channel = self.label_map(y).reshape(len(x), 1, self.image_size, self.image_size)  # (N, H*W) -> (N, 1, H, W)
        return torch.cat([x, label_channel], dim=1)  # (N, C + 1, H, W)


class MLPDiscriminator(_Discriminator):
    """A fully connected discriminator: image (and label channel) -> hidden layers (LeakyReLU) -> one logit.

    Args:
        image_size: height and width of the square input images.
        in_channels: channels of the input images.
        hidden_dims: widths of the hidden layers.
        num_classes: 0 for an unconditional discriminator, else the number of classes.

    Example:
        >>> import torch
        >>> from dlkit.models.gan import MLPDiscriminator
        >>> d = MLPDiscriminator(image_size=8, hidden_dims=(64,))
        >>> d(torch.rand(5, 1, 8, 8)).shape  # one logit per image: "how real does it look?"
        torch.Size([5])
    """

    def __init__(
        self,
        *,
        image_size: int = 8,
        in_channels: int = 1,
        hidden_dims: Sequence[int] = (256, 128),
        num_classes: int = 0,
    ) -> None:
        super().__init__(image_size=image_size, in_channels=in_channels, num_classes=num_classes)
        self.net = MLP(
            in_features=self.input_channels * image_size * image_size, out_features=1,
            hidden_dims=tuple(hidden_dims), activation="leaky_relu",
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(self._inputs(x, y)).squeeze(1)  # (N, 1) -> (N,)


class DCGANDiscriminator(_Discriminator):
    """A DCGAN-style discriminator: strided convolutions halve the size twice (LeakyReLU 0.2, batch norm after
    the first), then a linear layer gives one logit per image.

    Args:
        image_size: input height and width; divisible by 4.
        in_channels: channels of the input images.
        base_channels: channels of the first feature map (the second has twice as many).
        num_classes: 0 for an unconditional discriminator, else the number of classes.

    Example:
        >>> import torch
        >>> from dlkit.models.gan import DCGANDiscriminator
        >>> d = DCGANDiscriminator(image_size=8, base_channels=16)
        >>> d(torch.rand(5, 1, 8, 8)).shape
        torch.Size([5])
    """

    def __init__(
        self,
        *,
        image_size: int = 8,
        in_channels: int = 1,
        base_channels: int = 32,
        num_classes: int = 0,
    ) -> None:
        super().__init__(image_size=image_size, in_channels=in_channels, num_classes=num_classes)
        check_image_size(image_size, 4, "two stride-2 downsamplings")
        final_size = image_size // 4
        self.net = nn.Sequential(
            nn.Conv2d(self.input_channels, base_channels, 4, stride=2, padding=1),  # size /2
            nn.LeakyReLU(0.2),
            nn.Conv2d(base_channels, 2 * base_channels, 4, stride=2, padding=1, bias=False),  # size /2
            nn.BatchNorm2d(2 * base_channels),
            nn.LeakyReLU(0.2),
            nn.Flatten(),  # (N, 2B, s, s) -> (N, 2B*s*s)
            nn.Linear(2 * base_channels * final_size**2, 1),
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(self._inputs(x, y)).squeeze(1)  # (N, 1) -> (N,)
