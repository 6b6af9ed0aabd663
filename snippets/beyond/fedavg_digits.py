import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from dlkit.federated import dirichlet_split, local_train, run_fedavg
from dlkit.models.mlp import MLP

digits = load_digits()
x = torch.tensor(digits.data / 16, dtype=torch.float32)
y = torch.tensor(digits.target)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, stratify=y,
                                                    random_state=0)

# 10 clients, non-IID: each digit's examples dealt out in Dirichlet(0.3) shares.
parts = dirichlet_split(y_train.numpy(), num_clients=10, alpha=0.3, seed=0)
clients = [(x_train[p], y_train[p]) for p in parts]


def accuracy(net: torch.nn.Module) -> float:
    net.eval()
    with torch.no_grad():
        return (net(x_test).argmax(dim=1) == y_test).float().mean().item()


torch.manual_seed(0)
start = MLP(in_features=64, out_features=10, hidden_dims=(64,)).state_dict()


def fresh_mlp() -> MLP:
    net = MLP(in_features=64, out_features=10, hidden_dims=(64,))
    net.load_state_dict(start)  # every model below starts from the same weights
    return net


# FedAvg: 30 rounds, each client 1 local epoch of SGD per round.
federated = fresh_mlp()
fedavg_curve = run_fedavg(federated, clients, rounds=30, local_epochs=1, lr=0.1,
                          batch_size=16, seed=0, evaluate=accuracy)
# Centralised: all the training data in one place, 30 epochs (as many passes each).
central_acc = accuracy(local_train(fresh_mlp(), x_train, y_train, epochs=30, lr=0.1,
                                   batch_size=16, seed=0))
# Each client alone, on its own data only.
local_accs = [
    accuracy(local_train(fresh_mlp(), cx, cy, epochs=30, lr=0.1, batch_size=16, seed=0))
    for cx, cy in clients
]
print(f"FedAvg after 30 rounds: {fedavg_curve[-1]:.3f}")
print(f"centralised:            {central_acc:.3f}")
print(f"clients alone (mean):   {np.mean(local_accs):.3f}")
