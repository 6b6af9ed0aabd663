import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

digits = load_digits()
X = torch.tensor(digits.data / 16.0, dtype=torch.float32)     # (1797, 64), pixels in [0, 1]
y = torch.tensor(digits.target)


def deep_net(batch_norm):
    """Eight Linear+ReLU layers of width 64, with or without BatchNorm1d after each Linear."""
    layers, width = [], 64
    for _ in range(8):
        layers += [nn.Linear(width, 64), *([nn.BatchNorm1d(64)] if batch_norm else []), nn.ReLU()]
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


torch.manual_seed(0)
curves = {"plain": train(deep_net(batch_norm=False)), "batch norm": train(deep_net(batch_norm=True))}
for name, losses in curves.items():
    print(f"{name:10s} training loss: first step {losses[0]:.3f}, mean of the last 20 steps {sum(losses[-20:]) / 20:.3f}")
