import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

activations = {
    "ReLU": F.relu,
    # slope 0.1 so it is visible
    "Leaky ReLU": lambda z: F.leaky_relu(z, negative_slope=0.1),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "GELU": F.gelu,
}
z = torch.linspace(-5, 5, 401, requires_grad=True)
fig, (ax_f, ax_df) = plt.subplots(1, 2, figsize=(10, 3.5), num="curves")
derivatives = {}
for name, f in activations.items():
    y = f(z)
    (dy,) = torch.autograd.grad(y.sum(), z)   # d f(z_i) / d z_i for every point at once
    derivatives[name] = dy
    ax_f.plot(z.detach(), y.detach(), label=name)
    ax_df.plot(z.detach(), dy, label=name)
ax_f.set(title="activation f(z)", xlabel="z", ylim=(-1.5, 3))
ax_df.set(title="derivative f'(z) (autograd)", xlabel="z")
ax_f.legend()
fig.tight_layout()
