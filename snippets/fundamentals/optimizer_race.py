import torch


def valley(w):
    """An elongated bowl: 50 times steeper along w[1] than along w[0], minimum 0 at (0,
    0)."""
    return 0.5 * (w[0] ** 2 + 50 * w[1] ** 2)


optimizers = {
    # just below 2/50: the steep direction allows no more
    "SGD": lambda p: torch.optim.SGD(p, lr=0.035),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.035, momentum=0.9),
    "RMSProp": lambda p: torch.optim.RMSprop(p, lr=0.05),
    "Adam": lambda p: torch.optim.Adam(p, lr=0.3),
    "AdamW": lambda p: torch.optim.AdamW(p, lr=0.3, weight_decay=0.01),
}
paths, losses = {}, {}
for name, make_optimizer in optimizers.items():
    w = torch.tensor([-4.0, 1.0], requires_grad=True)
    optimizer = make_optimizer([w])
    paths[name], losses[name] = [w.detach().clone()], []
    for _ in range(100):
        loss = valley(w)
        losses[name].append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        paths[name].append(w.detach().clone())
    print(f"{name:9s} loss after 100 steps: {valley(w).item():.2e}")
