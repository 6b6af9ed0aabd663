import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

from dlkit.trust.privacy import train_dp_classifier

digits = load_digits()
x = torch.tensor(digits.data / 16.0, dtype=torch.float32)  # (1797, 64) in [0, 1]
y = torch.tensor(digits.target)
x_train, x_test, y_train, y_test = train_test_split(
    x, y, test_size=0.5, random_state=0, stratify=y
)  # 898 training digits, 899 test digits


def make_mlp():
    """64 -> 128 -> 10, no batch norm: DP-SGD needs each example's own gradient."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


@torch.no_grad()
def accuracy(model):
    return float((model(x_test).argmax(dim=1) == y_test).float().mean())


results = {}
for target in (None, 16.0, 4.0, 1.0):  # None: clipping only, no noise (not private)
    budget = {"noise_multiplier": 0.0} if target is None else {"target_epsilon": target}
    results[target] = train_dp_classifier(
        make_mlp(),
        x_train,
        y_train,
        epochs=8,
        batch_size=64,
        lr=0.5,
        max_grad_norm=1.0,
        delta=1e-5,
        **budget,
    )
print("target eps   accountant eps   noise sigma   test accuracy")
for target, r in results.items():
    print(
        f"{str(target):>10s}   {r.epsilon:14.2f}   {r.noise_multiplier:11.2f}   "
        f"{accuracy(r.model):13.3f}"
    )
