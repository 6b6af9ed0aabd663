"""LeNet-style convolutional network (LeCun et al., 1998): the classic conv-pool-conv-pool-dense design."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlkit.models.checks import check_image_size, check_images

__all__ = ["LeNet"]


class LeNet(nn.Module):
    """Two ``5x5 convolution -> activation -> 2x2 pooling`` stages, then a fully connected head.

    LeNet-5 used 6 and 16 filters, average pooling, tanh and hidden layers of 120 and 84 units; those are the
    defaults here, with padding 2 so the small 8x8 digits survive two poolings. Each stage halves height and
    width, so ``image_size`` must be divisible by 4.

    Args:
        in_channels: channels of the input images (1 for greyscale).
        num_classes: number of output logits.
        image_size: height and width of the (square) input images.
        channels: filters of the two convolutional stages.
        hidden_dims: widths of the hidden fully connected layers.
        activation: ``"tanh"`` (as in 1998) or ``"relu"``.

    Example:
        >>> import torch
        >>> from dlkit.models.lenet import LeNet
        >>> net = LeNet(in_channels=1, num_classes=10, image_size=8)
        >>> net(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
        >>> sum(p.numel() for p in net.parameters())
        21386
    """

    def __init__(
        self,
        *,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int = 8,
        channels: Sequence[int] = (6, 16),
        hidden_dims: Sequence[int] = (120, 84),
        activation: str = "tanh",
    ) -> None:
        super().__init__()
        activations = {"tanh": nn.Tanh, "relu": nn.ReLU}
        if activation not in activations:
            raise ValueError(f"Expected activation to be one of {sorted(activations)}, but got {activation!r}")
        if len(channels) != 2:
            raise ValueError(f"Expected two convolutional stages (channels of length 2), but got {tuple(channels)}")
        check_image_size(image_size, 4, "two 2x2 poolings")
        self.in_channels, self.image_size = in_channels, image_size
        act = activations[activation]
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, kernel_size=5, padding=2), act(), nn.AvgPool2d(2),  # (N, c1, H/2, W/2)
            nn.Conv2d(c1, c2, kernel_size=5, padding=2), act(), nn.AvgPool2d(2),  # (N, c2, H/4, W/4)
        )
        layers: list[nn.Module] = [nn.Flatten()]  # (N, c2, H/4, W/4) -> (N, c2*H/4*W/4)
        width = c2 * (image_size // 4) ** 2
        for hidden_dim in hidden_dims:
            layers += [nn.Linear(width, hidden_dim), act()]
            width = hidden_dim
        layers.append(nn.Linear(width, num_classes))
        self.head = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.in_channels, self.image_size)
        return self.head(self.features(x))  # (N, C, H, W) -> (N, num_classes)
