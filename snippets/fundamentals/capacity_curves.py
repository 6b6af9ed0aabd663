import statistics

import torch
import torch.nn.functional as F

from dlkit.models.mlp import MLP

# tensors of 20 rows: extra CPU threads would only wait on each other
torch.set_num_threads(1)
# 20 evenly spaced inputs; their targets are noisy
x_train = torch.linspace(-3, 3, 20).unsqueeze(1)
x_val = torch.linspace(-3, 3, 200).unsqueeze(1)          # unseen points, noise-free
y_val = torch.sin(x_val)

models = {  # one activation (tanh) for all: only the size changes
    "too small (linear)": (),
    "right (1 x 8)": (8,),
    "too large (2 x 256)": (256, 256),
}
# three noise draws and initialisations: one run is noise, the median of three is not
seeds = (0, 1, 2)
train_sets = {}
# per model: one {"train": [...], "val": [...]} per seed
curves = {name: [] for name in models}
fitted = {}  # the seed-0 networks, for the plot
for seed in seeds:
    torch.manual_seed(seed)
    y_train = torch.sin(x_train) + 0.3 * torch.randn(20, 1)   # a sine wave plus noise
    train_sets[seed] = y_train
    for name, hidden_dims in models.items():
        torch.manual_seed(seed)
        net = MLP(
            in_features=1, out_features=1, hidden_dims=hidden_dims, activation="tanh"
        )
        optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
        curve = {"train": [], "val": []}
        for step in range(1000):                          # full batch: 20 samples
            loss = F.mse_loss(net(x_train), y_train)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % 10 == 0 or step == 999:
                with torch.no_grad():
                    curve["train"].append(F.mse_loss(net(x_train), y_train).item())
                    curve["val"].append(F.mse_loss(net(x_val), y_val).item())
        curves[name].append(curve)
        if seed == seeds[0]:
            fitted[name] = net

# The medians over the three seeds of the final errors, and
# of how far the validation error rose from its minimum.
final = {
    name: {
        split: statistics.median(run[split][-1] for run in runs)
        for split in ("train", "val")
    }
    for name, runs in curves.items()
}
rise = {
    name: statistics.median(run["val"][-1] / min(run["val"]) for run in runs)
    for name, runs in curves.items()
}
for name in models:
    params = sum(p.numel() for p in fitted[name].parameters())
    print(
        f"{name:20s} {params:6d} parameters   median final train MSE "
        f"{final[name]['train']:.3f}   val MSE {final[name]['val']:.3f}   val rose "
        f"x{rise[name]:.2f} from its minimum"
    )
