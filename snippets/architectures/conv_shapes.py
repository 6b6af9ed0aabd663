import torch
from torch import nn


def conv_output_size(n, kernel_size, stride=1, padding=0):
    """Output height (or width) of a convolution or pooling: floor((n + 2p - k) / s) +
    1."""
    return (n + 2 * padding - kernel_size) // stride + 1


x = torch.zeros(1, 3, 28, 28)  # one 28x28 RGB image
rows = []
for kernel_size, stride, padding in [
    (3, 1, 0),
    (3, 1, 1),
    (5, 1, 2),
    (3, 2, 1),
    (5, 2, 0),
    (7, 3, 3),
    (2, 2, 0),
]:
    conv = nn.Conv2d(3, 8, kernel_size=kernel_size, stride=stride, padding=padding)
    pool = nn.MaxPool2d(
        kernel_size=kernel_size, stride=stride, padding=min(padding, kernel_size // 2)
    )
    formula = conv_output_size(28, kernel_size, stride, padding)
    rows.append((kernel_size, stride, padding, formula, conv(x).shape[-1]))
    assert pool(x).shape[-1] == conv_output_size(
        28, kernel_size, stride, min(padding, kernel_size // 2)
    )
print("kernel stride padding formula nn.Conv2d")
for row in rows:
    print("{:>6} {:>6} {:>7} {:>7} {:>9}".format(*row))
