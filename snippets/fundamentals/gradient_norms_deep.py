import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

digits = load_digits()
# one batch of 256 digits, (256, 64)
x = torch.tensor(digits.data[:256] / 16.0, dtype=torch.float32)
y = torch.tensor(digits.target[:256])
depth, width = 12, 64


class ResidualBlock(nn.Module):
    """h + Linear(ReLU(BatchNorm(h))): the identity path carries the gradient past the
    block unchanged."""

    def __init__(self, width):
        super().__init__()
        self.norm, self.linear = nn.BatchNorm1d(width), nn.Linear(width, width)

    def forward(self, h):
        return h + self.linear(torch.relu(self.norm(h)))


torch.manual_seed(0)
sigmoid_net = nn.Sequential(
    nn.Linear(64, width),
    nn.Sigmoid(),
    *[
        layer
        for _ in range(depth - 1)
        for layer in (nn.Linear(width, width), nn.Sigmoid())
    ],
    nn.Linear(width, 10),
)
residual_net = nn.Sequential(
    nn.Linear(64, width),
    *[ResidualBlock(width) for _ in range(depth - 1)],
    nn.Linear(width, 10),
)


def weight_grad_norms(net):
    """Gradient norm of every Linear layer's weight, input layer first, after one
    backward pass."""
    net.zero_grad()
    F.cross_entropy(net(x), y).backward()
    return [
        m.weight.grad.norm().item() for m in net.modules() if isinstance(m, nn.Linear)
    ]


norms = {
    "sigmoid": weight_grad_norms(sigmoid_net),
    "ReLU + batch norm + residual": weight_grad_norms(residual_net),
}
for name, values in norms.items():
    print(f"{name:28s} first layer {values[0]:.2e}   last layer {values[-1]:.2e}")
