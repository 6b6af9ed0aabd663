"""Neural architecture search over a small space of MLPs: sample, mutate, train-and-score.

Read top to bottom: the search space (``SPACE``, ``DEFAULT``), ``suggest_architecture`` (how an Optuna trial
samples it), ``mutate`` (how an evolutionary search moves in it), ``evaluate_architecture`` (a short, seeded
training run that scores an architecture on validation data), and ``evolve`` (a small evolutionary loop).
An architecture is a plain dict: ``{"depth": int, "width": int, "activation": str}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from dlkit.models.mlp import MLP

__all__ = ["SPACE", "DEFAULT", "suggest_architecture", "mutate", "build_network", "evaluate_architecture", "evolve"]

SPACE: dict[str, tuple[Any, ...]] = {
    "depth": (1, 2, 3),  # hidden layers
    "width": (8, 16, 32, 64, 128),  # units per hidden layer
    "activation": ("relu", "tanh", "gelu", "sigmoid"),
}
DEFAULT = {"depth": 1, "width": 8, "activation": "sigmoid"}


def _check(arch: dict[str, Any]) -> None:
    if set(arch) != set(SPACE):
        raise ValueError(f"Expected an architecture with the keys {sorted(SPACE)}, but got {sorted(arch)}")
    for key, value in arch.items():
        if value not in SPACE[key]:
            raise ValueError(f"Expected {key} to be one of {SPACE[key]}, but got {value!r}")


def suggest_architecture(trial: Any) -> dict[str, Any]:
    """An architecture drawn by an Optuna ``trial`` (one categorical choice per dimension of ``SPACE``).

    Example:
        >>> import optuna
        >>> from dlkit.nas import suggest_architecture
        >>> trial = optuna.trial.FixedTrial({"depth": 2, "width": 64, "activation": "gelu"})
        >>> suggest_architecture(trial)
        {'depth': 2, 'width': 64, 'activation': 'gelu'}
    """
    return {key: trial.suggest_categorical(key, list(choices)) for key, choices in SPACE.items()}


def mutate(arch: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """A copy of ``arch`` with one dimension moved: depth or width one step up or down, or a new activation.

    Example:
        >>> import numpy as np
        >>> from dlkit.nas import mutate
        >>> child = mutate({"depth": 1, "width": 8, "activation": "relu"}, np.random.default_rng(0))
        >>> sum(child[k] != v for k, v in {"depth": 1, "width": 8, "activation": "relu"}.items())
        1
    """
    _check(arch)
    child = dict(arch)
    key = str(rng.choice(list(SPACE)))
    choices = SPACE[key]
    if key == "activation":
        child[key] = str(rng.choice([c for c in choices if c != arch[key]]))
    else:  # ordered: a neighbour
        i = choices.index(arch[key])
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(choices)]
        child[key] = choices[int(rng.choice(neighbours))]
    return child


def build_network(arch: dict[str, Any], *, in_features: int, out_features: int) -> MLP:
    """The ``MLP`` an architecture describes.

    Example:
        >>> from dlkit.nas import build_network
        >>> net = build_network({"depth": 2, "width": 32, "activation": "tanh"}, in_features=64, out_features=10)
        >>> [type(m).__name__ for m in net.layers][:3]
        ['Linear', 'Tanh', 'Dropout']
    """
    _check(arch)
    return MLP(in_features=in_features, out_features=out_features, hidden_dims=(arch["width"],) * arch["depth"],
               activation=arch["activation"])


def evaluate_architecture(
    arch: dict[str, Any],
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_val: torch.Tensor,
    y_val: torch.Tensor,
    *,
    steps: int = 150,
    lr: float = 1e-2,
    seed: int = 0,
) -> float:
    """Validation accuracy of ``arch`` after ``steps`` full-batch Adam steps from a seeded initialisation.

    A short, fixed budget keeps a search cheap: it ranks architectures by how well they learn in that budget.

    Example:
        >>> import torch
        >>> from dlkit.nas import evaluate_architecture
        >>> x, y = torch.randn(40, 4), torch.arange(40) % 2
        >>> acc = evaluate_architecture({"depth": 1, "width": 8, "activation": "relu"}, x, y, x, y, steps=5)
        >>> 0.0 <= acc <= 1.0
        True
    """
    with torch.random.fork_rng():  # a seeded initialisation that leaves torch's global generator as it was
        torch.manual_seed(seed)
        net = build_network(arch, in_features=x_train[0].numel(), out_features=int(y_train.max()) + 1)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        loss = nn.functional.cross_entropy(net(x_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    with torch.no_grad():
        return (net(x_val).argmax(dim=1) == y_val).float().mean().item()


def evolve(
    fitness: Callable[[dict[str, Any]], float],
    *,
    population: int = 6,
    generations: int = 3,
    seed: int = 0,
) -> tuple[dict[str, Any], float, list[float]]:
    """A (mu + lambda) evolutionary search: keep the best half, refill with mutated copies of it, repeat.

    Returns:
        ``(best architecture, its fitness, the best fitness after each generation)``; ``fitness`` is called
        ``population + generations * (population - population // 2)`` times (each architecture once).

    Example:
        >>> from dlkit.nas import evolve
        >>> wide = lambda arch: arch["width"] / 128 + arch["depth"] / 100  # a toy fitness: wider is better
        >>> best, score, curve = evolve(wide, population=4, generations=6, seed=0)
        >>> best["width"], curve == sorted(curve)  # found the widest; the best never gets worse
        (128, True)
    """
    if population < 2 or generations < 1:
        raise ValueError(f"Expected population >= 2 and generations >= 1, but got {population} and {generations}")
    rng = np.random.default_rng(seed)
    cache: dict[tuple, float] = {}

    def score(arch: dict[str, Any]) -> float:
        key = tuple(arch[k] for k in SPACE)
        if key not in cache:
            cache[key] = fitness(arch)
        return cache[key]

    members = [{k: (c[int(rng.integers(len(c)))] if k != "activation" else str(rng.choice(c))) for k, c in SPACE.items()}
               for _ in range(population)]
    ranked = sorted(members, key=score, reverse=True)
    curve = []
    for _ in range(generations):
        parents = ranked[: population // 2]
        children = [mutate(parents[int(rng.integers(len(parents)))], rng) for _ in range(population - len(parents))]
        ranked = sorted(parents + children, key=score, reverse=True)
        curve.append(score(ranked[0]))
    return ranked[0], score(ranked[0]), curve
