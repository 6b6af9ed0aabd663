"""A small convolutional network for small images such as the 8x8 digits.

Read top to bottom: one convolutional stage, the network, then its input checks.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.checks import check_images

__all__ = ["CNN", "classifier_head", "conv_stage", "double_conv"]


def double_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two 3x3 convolutions (padding keeps the size), each with batch norm and ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    )


def conv_stage(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two 3x3 convolutions (padding keeps the size) with batch norm and ReLU, then a 2x2 max-pool that halves it."""
    return nn.Sequential(*double_conv(in_channels, out_channels), nn.MaxPool2d(2))


def classifier_head(in_features: int, hidden_dim: int, num_classes: int, dropout: float) -> nn.Sequential:
    """Flatten the feature maps, then ``Linear -> ReLU -> Dropout -> Linear`` to class logits."""
    return nn.Sequential(
        nn.Flatten(),  # (N, C, h, w) -> (N, C*h*w)
        nn.Linear(in_features, hidden_dim),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(hidden_dim, num_classes),
    )


class CNN(nn.Module):
    """Convolutional stages (each halves height and width) followed by a fully connected head.

    Args:
        in_channels: channels of the input images (1 for greyscale).
        num_classes: number of output logits.
        image_size: height and width of the (square) input images.
        channels: output channels of each convolutional stage.
        hidden_dim: width of the hidden fully connected layer.
        dropout: dropout probability before the last layer.

    Example:
        >>> import torch
        >>> from dlkit.models.cnn import CNN
        >>> net = CNN(in_channels=1, num_classes=10, image_size=8)
        >>> net(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        *,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int = 8,
        channels: Sequence[int] = (32, 64),
        hidden_dim: int = 128,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if image_size % (2 ** len(channels)) != 0:
            raise ValueError(
                f"Expected image_size divisible by 2**len(channels) = {2 ** len(channels)}, but got {image_size}"
            )
        self.in_channels = in_channels
        self.image_size = image_size
        stages, width = [], in_channels
        for out_channels in channels:
            stages.append(conv_stage(width, out_channels))
            width = out_channels
        self.features = nn.Sequential(*stages)
        final_size = image_size // 2 ** len(channels)
        self.head = classifier_head(width * final_size * final_size, hidden_dim, num_classes, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.in_channels, self.image_size)
        return self.head(self.features(x))  # (N, C, H, W) -> (N, num_classes)
