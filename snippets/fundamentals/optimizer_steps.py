import torch

torch.manual_seed(0)
A, b = torch.randn(6, 3), torch.randn(6)


def loss_fn(w):
    return ((A @ w - b) ** 2).mean()            # any differentiable loss will do


def grad_at(w):
    w = w.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(loss_fn(w), w)
    return g


lr, momentum, alpha, beta1, beta2, eps, weight_decay = (
    0.1,
    0.9,
    0.99,
    0.9,
    0.999,
    1e-8,
    0.05,
)


def sgd(w, g, state, t):
    return w - lr * g


def sgd_momentum(w, g, state, t):
    state["v"] = momentum * state.get("v", 0) + g  # velocity: running sum of gradients
    return w - lr * state["v"]


def rmsprop(w, g, state, t):
    # running mean of squared gradients
    state["s"] = alpha * state.get("s", 0) + (1 - alpha) * g**2
    return w - lr * g / (state["s"].sqrt() + eps)


def adam(w, g, state, t, decoupled_decay=0.0):
    w = w * (1 - lr * decoupled_decay)  # AdamW: shrink the weights directly
    state["m"] = beta1 * state.get("m", 0) + (1 - beta1) * g       # first moment
    state["v"] = beta2 * state.get("v", 0) + (1 - beta2) * g**2    # second moment
    m_hat = state["m"] / (1 - beta1**t)  # bias corrections for the zero start
    v_hat = state["v"] / (1 - beta2**t)
    return w - lr * m_hat / (v_hat.sqrt() + eps)


def adamw(w, g, state, t):
    return adam(w, g, state, t, decoupled_decay=weight_decay)


pairs = {
    "SGD": (sgd, lambda p: torch.optim.SGD(p, lr=lr)),
    "momentum": (sgd_momentum, lambda p: torch.optim.SGD(p, lr=lr, momentum=momentum)),
    "RMSProp": (rmsprop, lambda p: torch.optim.RMSprop(p, lr=lr, alpha=alpha, eps=eps)),
    "Adam": (adam, lambda p: torch.optim.Adam(p, lr=lr, betas=(beta1, beta2), eps=eps)),
    "AdamW": (
        adamw,
        lambda p: torch.optim.AdamW(
            p, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay
        ),
    ),
}
w0 = torch.randn(3)
for name, (by_hand, make_optimizer) in pairs.items():
    w_hand, state = w0.clone(), {}
    w_torch = w0.clone().requires_grad_(True)
    optimizer = make_optimizer([w_torch])
    for t in range(1, 4):  # three steps, so the running averages matter
        w_hand = by_hand(w_hand, grad_at(w_hand), state, t)
        optimizer.zero_grad()
        loss_fn(w_torch).backward()
        optimizer.step()
        # float32 tolerances
        torch.testing.assert_close(w_hand, w_torch.detach(), msg=f"{name}, step {t}")
    print(f"{name:9s} after 3 steps: {[round(v, 4) for v in w_hand.tolist()]}")
