"""VGG-style network (Simonyan & Zisserman, 2014): repeated blocks of 3x3 convolutions, each block ending in a pooling.

Read top to bottom: one VGG block, then the network.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.checks import check_image_size, check_images
from dlkit.models.cnn import classifier_head

__all__ = ["VGG", "vgg_block"]


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """``num_convs`` times ``3x3 convolution (padding 1) -> batch norm -> ReLU``, then a 2x2 max-pool.

    The convolutions keep height and width; the pooling halves them. Two stacked 3x3 convolutions see a 5x5
    window with fewer parameters than one 5x5 convolution (``2 * 9 * C^2`` instead of ``25 * C^2``).

    Example:
        >>> import torch
        >>> from dlkit.models.vgg import vgg_block
        >>> vgg_block(2, 3, 16)(torch.zeros(1, 3, 8, 8)).shape
        torch.Size([1, 16, 4, 4])
    """
    if num_convs < 1:
        raise ValueError(f"Expected at least one convolution per block, but got num_convs={num_convs}")
    layers: list[nn.Module] = []
    for i in range(num_convs):
        layers += [
            nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
        ]
    layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """VGG blocks (each halves height and width) followed by a fully connected head with dropout.

    Args:
        in_channels: channels of the input images (1 for greyscale).
        num_classes: number of output logits.
        image_size: height and width of the (square) input images; divisible by ``2 ** len(blocks)``.
        blocks: one ``(num_convs, out_channels)`` pair per block. VGG-11 is
            ``((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))``; the default is a small one for 8x8 digits.
        hidden_dim: width of the hidden fully connected layer.
        dropout: dropout probability in the head.

    Example:
        >>> import torch
        >>> from dlkit.models.vgg import VGG
        >>> net = VGG(in_channels=1, num_classes=10, image_size=8, blocks=((1, 16), (2, 32)))
        >>> net(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
        >>> len(net.features)  # one nn.Sequential per block
        2
    """

    def __init__(
        self,
        *,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int = 8,
        blocks: Sequence[Sequence[int]] = ((1, 32), (2, 64)),
        hidden_dim: int = 128,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        if not blocks or any(not isinstance(block, (tuple, list)) or len(block) != 2 for block in blocks):
            raise ValueError(f"Expected blocks as (num_convs, out_channels) pairs, but got {blocks!r}")
        check_image_size(image_size, 2 ** len(blocks), f"{len(blocks)} blocks, each halving the size")
        self.in_channels, self.image_size = in_channels, image_size
        stages, width = [], in_channels
        for num_convs, out_channels in blocks:
            stages.append(vgg_block(num_convs, width, out_channels))
            width = out_channels
        self.features = nn.Sequential(*stages)
        final_size = image_size // 2 ** len(blocks)
        self.head = classifier_head(width * final_size * final_size, hidden_dim, num_classes, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.in_channels, self.image_size)
        return self.head(self.features(x))  # (N, C, H, W) -> (N, num_classes)
