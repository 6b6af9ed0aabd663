r"""ResNet with basic residual blocks (He et al., 2016): each block learns a correction added to its input.

A residual block computes $y = \operatorname{ReLU}(F(x) + s(x))$, where $F$ is two 3x3 convolutions
and $s$ the shortcut: the identity, or a 1x1 convolution where the block changes the channels or the size.

Read top to bottom: the basic block, then the network.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.checks import check_image_size, check_images

__all__ = ["ResNet", "ResNetBasicBlock"]


class ResNetBasicBlock(nn.Module):
    r"""Two ``3x3 convolution -> batch norm`` layers plus a shortcut: $y = \operatorname{ReLU}(F(x) + s(x))$.

    Args:
        in_channels: channels of the block's input.
        out_channels: channels of its output.
        stride: stride of the first convolution (2 halves height and width).

    Example:
        >>> import torch
        >>> from dlkit.models.resnet import ResNetBasicBlock
        >>> block = ResNetBasicBlock(in_channels=16, out_channels=32, stride=2)
        >>> block(torch.zeros(1, 16, 8, 8)).shape
        torch.Size([1, 32, 4, 4])
        >>> isinstance(ResNetBasicBlock(in_channels=16, out_channels=16).shortcut, torch.nn.Identity)
        True
    """

    def __init__(self, *, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"Expected stride 1 or 2, but got {stride}")
        self.residual = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        if stride == 1 and in_channels == out_channels:
            self.shortcut: nn.Module = nn.Identity()
        else:  # match the residual's shape: (N, C_in, H, W) -> (N, C_out, H/stride, W/stride)
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.residual(x) + self.shortcut(x))  # y = ReLU(F(x) + s(x))


class ResNet(nn.Module):
    """A 3x3 stem convolution, stages of basic residual blocks, global average pooling and a linear classifier.

    Each stage after the first starts with a stride-2 block that halves height and width and changes the width.

    Args:
        in_channels: channels of the input images (1 for greyscale).
        num_classes: number of output logits.
        image_size: height and width of the (square) input images; divisible by ``2 ** (len(channels) - 1)``.
        channels: width of each stage (ResNet-18 for ImageNet: ``(64, 128, 256, 512)``).
        blocks_per_stage: basic blocks in each stage (ResNet-18: 2).

    Example:
        >>> import torch
        >>> from dlkit.models.resnet import ResNet
        >>> net = ResNet(in_channels=1, num_classes=10, image_size=8, channels=(16, 32), blocks_per_stage=1)
        >>> net(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
        >>> sum(isinstance(m, torch.nn.Conv2d) for m in net.modules())  # stem + 2 per block + 1 shortcut
        6
    """

    def __init__(
        self,
        *,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int = 8,
        channels: Sequence[int] = (32, 64),
        blocks_per_stage: int = 1,
    ) -> None:
        super().__init__()
        if not channels:
            raise ValueError(f"Expected at least one stage in channels, but got {tuple(channels)}")
        if blocks_per_stage < 1:
            raise ValueError(f"Expected blocks_per_stage >= 1, but got {blocks_per_stage}")
        num_halvings = len(channels) - 1
        check_image_size(image_size, 2**num_halvings, f"{num_halvings} stride-2 stages")
        self.in_channels, self.image_size = in_channels, image_size
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels[0], kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(channels[0]),
            nn.ReLU(),
        )
        blocks: list[nn.Module] = []
        width = channels[0]
        for stage, out_channels in enumerate(channels):
            for i in range(blocks_per_stage):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(ResNetBasicBlock(in_channels=width, out_channels=out_channels, stride=stride))
                width = out_channels
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),  # (N, C, h, w) -> (N, C, 1, 1)
            nn.Flatten(),  # -> (N, C)
            nn.Linear(width, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.in_channels, self.image_size)
        return self.head(self.blocks(self.stem(x)))  # (N, C, H, W) -> (N, num_classes)
