import torch
import torch.nn.functional as F

from dlkit.models.mlp import MLP

torch.set_num_threads(1)   # tensors of 20 rows: extra CPU threads would only wait on each other
torch.manual_seed(0)
x_train = torch.rand(20, 1) * 6 - 3                      # 20 noisy samples of a sine wave
y_train = torch.sin(x_train) + 0.3 * torch.randn(20, 1)
x_val = torch.linspace(-3, 3, 200).unsqueeze(1)          # unseen points, noise-free
y_val = torch.sin(x_val)

models = {
    "too small (linear)": {"hidden_dims": ()},
    "right (1 x 16 tanh)": {"hidden_dims": (16,), "activation": "tanh"},
    "too large (2 x 128 ReLU)": {"hidden_dims": (128, 128)},
}
curves, fitted = {}, {}
for name, kwargs in models.items():
    torch.manual_seed(0)
    net = MLP(in_features=1, out_features=1, **kwargs)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    curves[name] = {"train": [], "val": []}
    for step in range(800):                               # full batch: 20 samples
        loss = F.mse_loss(net(x_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 10 == 0:
            with torch.no_grad():
                curves[name]["train"].append(loss.item())
                curves[name]["val"].append(F.mse_loss(net(x_val), y_val).item())
    fitted[name] = net
    print(f"{name:24s} final train MSE {curves[name]['train'][-1]:.3f}   val MSE {curves[name]['val'][-1]:.3f}   "
          f"best val MSE {min(curves[name]['val']):.3f}")
