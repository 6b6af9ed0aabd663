import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(512, 20)                        # standardised inputs
layer = nn.Linear(20, 100)
with torch.no_grad():
    layer.bias[:60] = -10.0  # 60 of 100 units start far in the negative region

h = torch.relu(layer(x))
h.sum().backward()  # any loss downstream: its gradient passes through ReLU'

dead = (h == 0).all(dim=0)                      # units that output 0 for every sample
weight_grad_per_unit = layer.weight.grad.abs().sum(dim=1)
print(f"dead units: {int(dead.sum())} of 100; largest weight gradient of a dead unit: "
      f"{weight_grad_per_unit[dead].max().item()}")
