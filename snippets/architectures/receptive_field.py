import torch
from torch import nn


def receptive_field(layers):
    """Receptive field of a stack of (kernel_size, stride) layers: r += (k - 1) * j,
    then j *= s.

    j is the jump: how many input pixels apart two neighbouring units of the current
    layer are.
    """
    r, j = 1, 1
    for kernel_size, stride in layers:
        r += (kernel_size - 1) * j
        j *= stride
    return r


# The geometry of dlkit's CNN: two stages of (3x3 conv, 3x3 conv, 2x2 pool).
geometry = [(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2)]
stack = nn.Sequential(
    nn.Conv2d(1, 1, 3, padding=1), nn.Conv2d(1, 1, 3, padding=1), nn.AvgPool2d(2),
    nn.Conv2d(1, 1, 3, padding=1), nn.Conv2d(1, 1, 3, padding=1), nn.AvgPool2d(2),
)
for layer in stack:
    if isinstance(layer, nn.Conv2d):
        # positive weights: no contribution cancels out
        nn.init.constant_(layer.weight, 1.0)

# Measure it: which input pixels does one output unit
# depend on? The gradient is non-zero exactly there.
x = torch.randn(1, 1, 64, 64, requires_grad=True)
out = stack(x)  # (1, 1, 16, 16)
out[0, 0, 8, 8].backward()
rows, cols = torch.nonzero(x.grad[0, 0], as_tuple=True)
measured = (int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1)
print(f"formula: {receptive_field(geometry)} pixels, measured: {measured}")
