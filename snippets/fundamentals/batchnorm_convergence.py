import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

# small tensors: extra CPU threads would only wait on each other
torch.set_num_threads(1)
digits = load_digits()
# (1797, 64), pixels in [0, 1]
X = torch.tensor(digits.data / 16.0, dtype=torch.float32)
y = torch.tensor(digits.target)


def deep_net(batch_norm=False, he_init=False):
    """Eight Linear+ReLU layers of width 64, optionally BatchNorm1d after each Linear,
    optionally He-initialised."""
    layers, width = [], 64
    for _ in range(8):
        linear = nn.Linear(width, 64)
        if he_init:   # Var(w) = 2 / n_in instead of PyTorch's default 1 / (3 n_in)
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            nn.init.zeros_(linear.bias)
        layers += [linear, *([nn.BatchNorm1d(64)] if batch_norm else []), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(64, 10))


def train(net, epochs=4, lr=0.05, batch_size=64):
    torch.manual_seed(0)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        net.train()
        for batch in torch.randperm(len(X)).split(batch_size):
            loss = F.cross_entropy(net(X[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


curves = {}
for name, options in [
    ("plain, default init", {}),
    ("plain, He init", {"he_init": True}),
    ("batch norm, default init", {"batch_norm": True}),
]:
    torch.manual_seed(0)  # every network starts from the same seed
    curves[name] = train(deep_net(**options))
for name, losses in curves.items():
    print(
        f"{name:25s} training loss: first step {losses[0]:.3f}, mean of the last 20 "
        f"steps {sum(losses[-20:]) / 20:.3f}"
    )
