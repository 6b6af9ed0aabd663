"""U-Net (Ronneberger et al., 2015): an encoder that halves the resolution, a decoder that doubles it back, and
skip connections that hand each decoder stage the encoder's features of the same size. One logit per class and
pixel: semantic segmentation.

Read top to bottom: the argument check (shared with ``CenterNet``), then the network; the convolution block is
``dlkit.models.cnn.double_conv``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.cnn import double_conv

__all__ = ["UNet", "check_encoder_args", "double_conv"]


def check_encoder_args(in_channels: int, num_classes: int, channels: Sequence[int]) -> tuple[int, ...]:
    """The widths of an encoder that halves the resolution ``len(channels) - 1`` times, checked."""
    channels = tuple(channels)
    if len(channels) < 2 or min(channels) < 1:
        raise ValueError(f"Expected at least two positive channel widths, but got {channels}")
    if in_channels < 1 or num_classes < 1:
        raise ValueError(f"Expected in_channels >= 1 and num_classes >= 1, but got {in_channels} and {num_classes}")
    return channels


class UNet(nn.Module):
    """A small U-Net: ``len(channels) - 1`` halvings down, as many doublings up, skip connections between.

    Args:
        in_channels: channels of the input images.
        num_classes: output channels, one logit per class (background included) for each pixel.
        channels: width of each level, from full resolution down to the bottleneck; the input's height and width
            must be divisible by ``2 ** (len(channels) - 1)``.

    Example:
        >>> import torch
        >>> from dlkit.models.unet import UNet
        >>> net = UNet(in_channels=1, num_classes=4, channels=(8, 16, 32))
        >>> net(torch.zeros(2, 1, 48, 48)).shape   # (N, num_classes, H, W): a logit per class and pixel
        torch.Size([2, 4, 48, 48])
    """

    def __init__(self, *, in_channels: int = 1, num_classes: int = 2, channels: Sequence[int] = (16, 32, 64)) -> None:
        super().__init__()
        channels = check_encoder_args(in_channels, num_classes, channels)
        self.in_channels = in_channels
        self.divisor = 2 ** (len(channels) - 1)
        self.down = nn.ModuleList([double_conv(in_channels, channels[0])])
        self.down.extend(double_conv(a, b) for a, b in zip(channels[:-1], channels[1:]))
        self.pool = nn.MaxPool2d(2)
        # decoder, deepest first: a 2x2 transposed convolution doubles the size and halves the width,
        # then a double conv mixes it with the skip connection (concatenated: twice the width)
        reversed_channels = channels[::-1]
        self.up = nn.ModuleList(
            nn.ConvTranspose2d(a, b, kernel_size=2, stride=2) for a, b in zip(reversed_channels, reversed_channels[1:])
        )
        self.merge = nn.ModuleList(double_conv(2 * b, b) for b in reversed_channels[1:])
        self.head = nn.Conv2d(channels[0], num_classes, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels or x.shape[2] % self.divisor or x.shape[3] % self.divisor:
            raise ValueError(
                f"Expected images of shape (N, {self.in_channels}, H, W) with H and W divisible by {self.divisor}, "
                f"but got {tuple(x.shape)}"
            )
        skips = []
        for level, block in enumerate(self.down):
            x = block(x if level == 0 else self.pool(x))  # (N, channels[level], H / 2**level, W / 2**level)
            skips.append(x)
        x = skips.pop()  # the bottleneck
        for up, merge in zip(self.up, self.merge):
            x = merge(torch.cat([up(x), skips.pop()], dim=1))  # (N, width, 2h, 2w): upsampled + skip
        return self.head(x)  # (N, num_classes, H, W)
