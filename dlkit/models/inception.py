"""Inception-style network (Szegedy et al., 2015, "GoogLeNet"): blocks of parallel branches with different kernels.

An Inception block runs four branches on the same input and concatenates their outputs along the channels:
a 1x1 convolution; 1x1 then 3x3; 1x1 then 5x5; 3x3 max-pool then 1x1. Each branch keeps height and width, so the
block sees fine and coarse patterns at once; the 1x1 convolutions first shrink the channels to keep it cheap.

Read top to bottom: the block, then the network.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.checks import check_image_size, check_images

__all__ = ["Inception", "InceptionBlock"]


def _conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, padding=kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    )


class InceptionBlock(nn.Module):
    """Four parallel branches (1x1; 1x1->3x3; 1x1->5x5; 3x3 max-pool->1x1), concatenated along the channels.

    Args:
        in_channels: channels of the block's input.
        branch_channels: output channels of each of the four branches; the block outputs their sum.
        reduce_channels: channels of the 1x1 reductions before the 3x3 and 5x5 convolutions.

    Example:
        >>> import torch
        >>> from dlkit.models.inception import InceptionBlock
        >>> block = InceptionBlock(in_channels=16, branch_channels=(8, 16, 8, 8), reduce_channels=8)
        >>> block(torch.zeros(1, 16, 8, 8)).shape  # 8 + 16 + 8 + 8 channels, same size
        torch.Size([1, 40, 8, 8])
    """

    def __init__(self, *, in_channels: int, branch_channels: Sequence[int], reduce_channels: int) -> None:
        super().__init__()
        if len(branch_channels) != 4:
            raise ValueError(f"Expected four branch widths, but got {tuple(branch_channels)}")
        c1, c3, c5, cp = branch_channels
        self.branch1 = _conv_bn_relu(in_channels, c1, 1)
        self.branch3 = nn.Sequential(
            _conv_bn_relu(in_channels, reduce_channels, 1), _conv_bn_relu(reduce_channels, c3, 3)
        )
        self.branch5 = nn.Sequential(
            _conv_bn_relu(in_channels, reduce_channels, 1), _conv_bn_relu(reduce_channels, c5, 5)
        )
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), _conv_bn_relu(in_channels, cp, 1))
        self.out_channels = c1 + c3 + c5 + cp

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1(x), self.branch3(x), self.branch5(x), self.branch_pool(x))  # each (N, c_i, H, W)
        return torch.cat(branches, dim=1)  # (N, c1 + c3 + c5 + cp, H, W)


class Inception(nn.Module):
    """A 3x3 stem convolution, Inception blocks with a 2x2 max-pool between them, global average pool, linear.

    Args:
        in_channels: channels of the input images (1 for greyscale).
        num_classes: number of output logits.
        image_size: height and width of the (square) input images; divisible by ``2 ** (len(blocks) - 1)``.
        stem_channels: output channels of the stem convolution.
        blocks: the four branch widths of each Inception block.
        reduce_channels: channels of the 1x1 reductions inside every block.

    Example:
        >>> import torch
        >>> from dlkit.models.inception import Inception
        >>> net = Inception(in_channels=1, num_classes=10, image_size=8)
        >>> net(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
        >>> [block.out_channels for block in net.blocks if hasattr(block, "out_channels")]
        [48, 96]
    """

    def __init__(
        self,
        *,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int = 8,
        stem_channels: int = 32,
        blocks: Sequence[Sequence[int]] = ((16, 16, 8, 8), (32, 32, 16, 16)),
        reduce_channels: int = 16,
    ) -> None:
        super().__init__()
        if not blocks:
            raise ValueError("Expected at least one Inception block, but got none")
        num_halvings = len(blocks) - 1
        check_image_size(image_size, 2**num_halvings, f"{num_halvings} max-pools between blocks")
        self.in_channels, self.image_size = in_channels, image_size
        self.stem = _conv_bn_relu(in_channels, stem_channels, 3)
        layers: list[nn.Module] = []
        width = stem_channels
        for i, branch_channels in enumerate(blocks):
            if i > 0:
                layers.append(nn.MaxPool2d(2))  # (N, C, H, W) -> (N, C, H/2, W/2)
            block = InceptionBlock(in_channels=width, branch_channels=branch_channels, reduce_channels=reduce_channels)
            layers.append(block)
            width = block.out_channels
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),  # (N, C, h, w) -> (N, C, 1, 1)
            nn.Flatten(),  # -> (N, C)
            nn.Linear(width, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.in_channels, self.image_size)
        return self.head(self.blocks(self.stem(x)))  # (N, C, H, W) -> (N, num_classes)
