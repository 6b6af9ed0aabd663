import torch
from torch import nn

depth, width = 20, 256
inits = {
    "N(0, 0.01)": lambda w: nn.init.normal_(w, std=0.01),  # too small
    "N(0, 1)": lambda w: nn.init.normal_(w, std=1.0),  # too large
    "Xavier": lambda w: nn.init.xavier_normal_(w),  # std = sqrt(2 / (fan_in + fan_out))
    # std = sqrt(2 / fan_in)
    "He": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
}


def layer_stds(init, activation):
    """Push one batch through `depth` Linear+activation layers; return the activations'
    std after each layer."""
    torch.manual_seed(0)
    h = torch.randn(512, width)
    stds, last = [], None
    for _ in range(depth):
        layer = nn.Linear(width, width)
        init(layer.weight)
        nn.init.zeros_(layer.bias)
        with torch.no_grad():
            h = activation(layer(h))
        stds.append(h.std().item())
        last = h
    return stds, last


results = {}
for activation_name, activation in [("tanh", torch.tanh), ("ReLU", torch.relu)]:
    for init_name, init in inits.items():
        results[activation_name, init_name] = layer_stds(init, activation)
        stds = results[activation_name, init_name][0]
        print(
            f"{activation_name:4s} {init_name:10s} std after layer 1: {stds[0]:9.3g}   "
            f"after layer {depth}: {stds[-1]:9.3g}"
        )
