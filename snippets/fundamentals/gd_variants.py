import math
import time

import torch
import torch.nn.functional as F

torch.manual_seed(0)
N, D = 256, 10
X = torch.randn(N, D)
y = X @ torch.randn(D) + 0.1 * torch.randn(N)  # a linear problem with a little noise


def train(batch_size, lr=0.02, epochs=8):
    """Plain gradient descent on the MSE; returns the full-data loss after each epoch
    and the time per epoch."""
    torch.manual_seed(0)
    w = torch.zeros(D, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr)
    losses, seconds = [F.mse_loss(X @ w, y).item()], []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(N)                      # reshuffle every epoch
        for i in range(0, N, batch_size):
            batch = order[i : i + batch_size]
            loss = F.mse_loss(X[batch] @ w, y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()                           # one update per batch
        seconds.append(time.perf_counter() - start)
        losses.append(F.mse_loss(X @ w, y).item())
    return losses, min(seconds)  # the fastest epoch: least disturbed by other work


runs = {"batch (B=256)": 256, "mini-batch (B=32)": 32, "stochastic (B=1)": 1}
results = {name: train(batch_size) for name, batch_size in runs.items()}
for name, batch_size in runs.items():
    losses, seconds = results[name]
    print(
        f"{name:18s} {math.ceil(N / batch_size):4d} updates/epoch  "
        f"{1000 * seconds:7.2f} ms/epoch  loss after 8 epochs {losses[-1]:.4f}"
    )
