r"""DenseNet (Huang et al., 2017): inside a dense block every layer sees the feature maps of all earlier layers.

Layer $\ell$ of a block computes $x_\ell = H_\ell([x_0, x_1, \dots, x_{\ell-1}])$, where
$[\cdot]$ concatenates along the channels and $H_\ell$ is ``BN -> ReLU -> 3x3 conv`` with
``growth_rate`` output channels. Transition layers (``BN -> ReLU -> 1x1 conv -> 2x2 average pool``) between blocks
shrink the channels and halve the size.

Read top to bottom: a dense layer, a dense block, a transition, then the network.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.checks import check_image_size, check_images

__all__ = ["DenseNet", "DenseNetBlock", "densenet_transition"]


def _bn_relu_conv(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    return nn.Sequential(
        nn.BatchNorm2d(in_channels),
        nn.ReLU(),
        nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, padding=kernel_size // 2, bias=False),
    )


class DenseNetBlock(nn.Module):
    r"""``num_layers`` layers, each adding ``growth_rate`` channels: $x_\ell = H_\ell([x_0, \dots, x_{\ell-1}])$.

    The output has ``in_channels + num_layers * growth_rate`` channels and the input's height and width.

    Example:
        >>> import torch
        >>> from dlkit.models.densenet import DenseNetBlock
        >>> block = DenseNetBlock(in_channels=16, num_layers=3, growth_rate=8)
        >>> block(torch.zeros(1, 16, 8, 8)).shape  # 16 + 3 * 8 channels
        torch.Size([1, 40, 8, 8])
    """

    def __init__(self, *, in_channels: int, num_layers: int, growth_rate: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            _bn_relu_conv(in_channels + i * growth_rate, growth_rate, kernel_size=3) for i in range(num_layers)
        )
        self.out_channels = in_channels + num_layers * growth_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, dim=1)))  # (N, C_0 + l*k, H, W) -> (N, k, H, W)
        return torch.cat(features, dim=1)  # (N, C_0 + L*k, H, W)


def densenet_transition(in_channels: int, out_channels: int) -> nn.Sequential:
    """``BN -> ReLU -> 1x1 convolution -> 2x2 average pool``: fewer channels, half the height and width.

    Example:
        >>> import torch
        >>> from dlkit.models.densenet import densenet_transition
        >>> densenet_transition(40, 20)(torch.zeros(1, 40, 8, 8)).shape
        torch.Size([1, 20, 4, 4])
    """
    return nn.Sequential(*_bn_relu_conv(in_channels, out_channels, kernel_size=1), nn.AvgPool2d(2))


class DenseNet(nn.Module):
    """A 3x3 stem convolution, dense blocks joined by transitions, then ``BN -> ReLU``, global average pool, linear.

    Args:
        in_channels: channels of the input images (1 for greyscale).
        num_classes: number of output logits.
        image_size: height and width of the (square) input images; divisible by ``2 ** (len(block_layers) - 1)``.
        block_layers: number of layers in each dense block.
        growth_rate: channels each dense layer adds (``k`` in the paper).
        stem_channels: output channels of the stem convolution.
        compression: fraction of channels a transition keeps (0.5 in DenseNet-BC).

    Example:
        >>> import torch
        >>> from dlkit.models.densenet import DenseNet
        >>> net = DenseNet(in_channels=1, num_classes=10, image_size=8, block_layers=(2, 2), growth_rate=8)
        >>> net(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
        >>> net.num_features  # 16 -> block 32 -> transition 16 -> block 32
        32
    """

    def __init__(
        self,
        *,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int = 8,
        block_layers: Sequence[int] = (3, 3),
        growth_rate: int = 16,
        stem_channels: int = 16,
        compression: float = 0.5,
    ) -> None:
        super().__init__()
        if not block_layers or min(block_layers) < 1:
            raise ValueError(f"Expected at least one dense block of at least one layer, but got {tuple(block_layers)}")
        if not 0.0 < compression <= 1.0:
            raise ValueError(f"Expected compression in (0, 1], but got {compression}")
        num_halvings = len(block_layers) - 1
        check_image_size(image_size, 2**num_halvings, f"{num_halvings} transitions, each halving the size")
        self.in_channels, self.image_size = in_channels, image_size
        layers: list[nn.Module] = [nn.Conv2d(in_channels, stem_channels, kernel_size=3, padding=1, bias=False)]
        width = stem_channels
        for i, num_layers in enumerate(block_layers):
            block = DenseNetBlock(in_channels=width, num_layers=num_layers, growth_rate=growth_rate)
            layers.append(block)
            width = block.out_channels
            if i < len(block_layers) - 1:
                reduced = max(1, int(width * compression))
                layers.append(densenet_transition(width, reduced))
                width = reduced
        self.features = nn.Sequential(*layers, nn.BatchNorm2d(width), nn.ReLU())
        self.num_features = width
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),  # (N, C, h, w) -> (N, C, 1, 1)
            nn.Flatten(),  # -> (N, C)
            nn.Linear(width, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.in_channels, self.image_size)
        return self.head(self.features(x))  # (N, C, H, W) -> (N, num_classes)
