r"""Federated learning with FedAvg (McMahan et al., 2017), simulated in one process.

Read top to bottom: ``dirichlet_split`` deals a labelled dataset out to clients with skewed class mixes (non-IID),
``local_train`` is what a client does with the global weights, ``fedavg`` is what the server does with the
clients' weights, and ``run_fedavg`` alternates the two for a number of rounds. Only weights travel between
clients and server; the examples never leave their client.

FedAvg's server step is the average of the $K$ clients' parameters weighted by their numbers of examples $n_k$:

$$\theta \leftarrow \sum_{k=1}^{K} \frac{n_k}{n}\, \theta_k, \qquad n = \sum_k n_k .$$

The clients train with a plain PyTorch loop rather than a Lightning ``Trainer``: a round makes one small ``fit``
per client, and building and running a ``Trainer`` ten times per round would cost more than the training.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["dirichlet_split", "fedavg", "local_train", "run_fedavg"]


def dirichlet_split(labels: np.ndarray, *, num_clients: int, alpha: float, seed: int = 0) -> list[np.ndarray]:
    r"""Split example indices among clients, each class's examples shared by Dirichlet($\alpha$) proportions.

    A small ``alpha`` (0.1-0.5) gives each client a few dominant classes (non-IID); a large one (100) gives
    every client about the same mix (IID).

    Returns:
        one sorted index array per client; together they hold every index once.

    Example:
        >>> import numpy as np
        >>> from dlkit.federated import dirichlet_split
        >>> labels = np.repeat(np.arange(3), 100)  # 3 classes x 100 examples
        >>> parts = dirichlet_split(labels, num_clients=4, alpha=0.5, seed=0)
        >>> sum(len(p) for p in parts), len(np.unique(np.concatenate(parts)))
        (300, 300)
        >>> dirichlet_split(labels, num_clients=4, alpha=0)
        Traceback (most recent call last):
        ...
        ValueError: Expected a positive alpha, but got 0
    """
    if isinstance(num_clients, bool) or not isinstance(num_clients, int) or num_clients < 1:
        raise ValueError(f"Expected num_clients to be a positive int, but got {num_clients!r}")
    if not alpha > 0:
        raise ValueError(f"Expected a positive alpha, but got {alpha}")
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"Expected labels of shape (N,), but got {labels.shape}")
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(num_clients)]
    for label in np.unique(labels):
        indices = rng.permutation(np.flatnonzero(labels == label))
        shares = rng.dirichlet(np.full(num_clients, alpha))
        cuts = (np.cumsum(shares)[:-1] * len(indices)).astype(int)
        for client, chunk in enumerate(np.split(indices, cuts)):
            parts[client].extend(chunk.tolist())
    return [np.sort(np.array(part, dtype=np.int64)) for part in parts]


def fedavg(states: Sequence[dict[str, torch.Tensor]], weights: Sequence[float]) -> dict[str, torch.Tensor]:
    """The weighted average of the clients' ``state_dict``s (weights: their numbers of examples).

    Example:
        >>> import torch
        >>> from dlkit.federated import fedavg
        >>> a, b = {"w": torch.tensor([0.0, 2.0])}, {"w": torch.tensor([4.0, 6.0])}
        >>> fedavg([a, b], weights=[1, 3])["w"].tolist()  # (1 * a + 3 * b) / 4
        [3.0, 5.0]
        >>> fedavg([a, {"v": torch.zeros(2)}], weights=[1, 1])
        Traceback (most recent call last):
        ...
        ValueError: Expected every client state to have the keys ['w'], but client 1 has ['v']
    """
    if len(states) == 0 or len(states) != len(weights):
        raise ValueError(f"Expected one weight per client state, but got {len(states)} states and {len(weights)} weights")
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"Expected non-negative weights with a positive sum, but got {list(weights)}")
    keys = list(states[0])
    for k, state in enumerate(states):
        if list(state) != keys:
            raise ValueError(f"Expected every client state to have the keys {keys}, but client {k} has {list(state)}")
    total = float(sum(weights))
    return {key: sum(w / total * state[key].float() for w, state in zip(weights, states)).to(states[0][key].dtype)
            for key in keys}


def local_train(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: int, lr: float, batch_size: int, seed: int
) -> nn.Module:
    """Train ``net`` in place with SGD and cross-entropy on one client's ``(x, y)``; returns it.

    Example:
        >>> import torch
        >>> from dlkit.federated import local_train
        >>> net = torch.nn.Linear(2, 2)
        >>> x, y = torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
        >>> _ = local_train(net, x, y, epochs=50, lr=0.5, batch_size=2, seed=0)
        >>> net(x).argmax(dim=1).tolist()
        [0, 1]
    """
    if len(x) != len(y):
        raise ValueError(f"Expected as many targets as inputs, but got {len(x)} inputs and {len(y)} targets")
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    net.train()
    for _ in range(epochs):
        for index in torch.randperm(len(x), generator=generator).split(batch_size):
            loss = nn.functional.cross_entropy(net(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return net


def run_fedavg(
    global_net: nn.Module,
    clients: Sequence[tuple[torch.Tensor, torch.Tensor]],
    *,
    rounds: int,
    local_epochs: int = 1,
    lr: float = 0.1,
    batch_size: int = 32,
    seed: int = 0,
    evaluate: Callable[[nn.Module], float] | None = None,
) -> list[float]:
    """FedAvg for ``rounds`` rounds; ``global_net`` ends with the final global weights.

    Each round every client copies the global weights, trains ``local_epochs`` on its own data
    (``local_train``), and sends back only its weights; the server averages them (``fedavg``).

    Returns:
        ``evaluate(global_net)`` after each round (empty if ``evaluate`` is None).

    Example:
        >>> import torch
        >>> from dlkit.federated import run_fedavg
        >>> x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
        >>> clients = [(x[:1], torch.tensor([0])), (x[1:], torch.tensor([1]))]  # each client sees one class
        >>> net = torch.nn.Linear(2, 2)
        >>> accuracy = lambda m: (m(x).argmax(dim=1) == torch.tensor([0, 1])).float().mean().item()
        >>> run_fedavg(net, clients, rounds=30, lr=0.5, evaluate=accuracy)[-1]
        1.0
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"Expected rounds to be a positive int, but got {rounds!r}")
    if len(clients) == 0:
        raise ValueError("Expected at least one client, but got none")
    history = []
    for round_ in range(rounds):
        states, sizes = [], []
        for k, (x, y) in enumerate(clients):
            local = copy.deepcopy(global_net)  # the client receives the global weights ...
            local_train(local, x, y, epochs=local_epochs, lr=lr, batch_size=batch_size, seed=seed * 10_000 + round_ * 100 + k)
            states.append(local.state_dict())  # ... and sends back only its trained weights
            sizes.append(len(x))
        global_net.load_state_dict(fedavg(states, sizes))
        if evaluate is not None:
            global_net.eval()
            with torch.no_grad():
                history.append(float(evaluate(global_net)))
    return history
