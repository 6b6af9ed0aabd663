r"""Checks that an attribution map means something: the deletion test and the randomised-model sanity check.

- **Deletion test** (Petsiuk et al., 2018, "RISE"): delete the input features an attribution ranks highest first,
  a fraction at a time, and follow the model's probability for the explained class. A faithful attribution makes
  it fall faster than deleting features in random order; the area under the curve summarises it (lower is better).
- **Model randomisation test** (Adebayo et al., 2018, "Sanity Checks for Saliency Maps"): the attributions of a
  network whose weights are re-initialised should differ from those of the trained network; a method that draws
  the same map for both explains the input, not the model. ``rank_correlation`` measures "the same map".
"""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["deletion_curve", "deletion_auc", "rank_correlation", "randomized_copy"]


def _check_model(model: object) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"Expected model to be an nn.Module, but got {type(model).__name__}")


@torch.no_grad()
def deletion_curve(
    model: nn.Module,
    x: torch.Tensor,
    attributions: torch.Tensor,
    target: torch.Tensor,
    *,
    steps: int = 10,
    baseline: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    r"""The probability of class ``target`` as the most-attributed input features are deleted, step by step.

    Features (every value of ``x[i]``) are ranked by ``attributions[i]``, highest first; at step ``k`` of
    ``steps`` the top $\lceil k D / \text{steps} \rceil$ of the $D$ features are replaced by ``baseline`` (a blank
    value, or a tensor shaped like ``x``). Ties keep index order. Random attributions give the random-order
    reference.

    Args:
        model: a classifier returning logits ``(N, num_classes)``; used as it is (call ``eval()`` first).
        x: inputs ``(N, ...)``.
        attributions: one score per input value, same shape as ``x``.
        target: the explained class of each input, ``(N,)``.
        steps: number of deletion steps; the curve has ``steps + 1`` points, from 0% to 100% deleted.
        baseline: the value a deleted feature takes.

    Returns:
        ``(N, steps + 1)`` probabilities of the target class.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from dlkit.trust.attribution import deletion_curve
        >>> model = nn.Linear(4, 2, bias=False)
        >>> with torch.no_grad():
        ...     _ = model.weight.copy_(torch.tensor([[4.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]))
        >>> x, target = torch.ones(1, 4), torch.tensor([0])
        >>> good = deletion_curve(model, x, torch.tensor([[4.0, 1.0, 0.0, 0.0]]), target, steps=4)
        >>> bad = deletion_curve(model, x, torch.tensor([[0.0, 0.0, 1.0, 4.0]]), target, steps=4)
        >>> good.round(decimals=3), bad.round(decimals=3)
        (tensor([[0.9930, 0.7310, 0.5000, 0.5000, 0.5000]]), tensor([[0.9930, 0.9930, 0.9930, 0.7310, 0.5000]]))
    """
    _check_model(model)
    if attributions.shape != x.shape:
        raise ValueError(f"Expected attributions shaped like x {tuple(x.shape)}, but got {tuple(attributions.shape)}")
    if target.ndim != 1 or len(target) != len(x):
        raise ValueError(f"Expected one target class per input, shape ({len(x)},), but got {tuple(target.shape)}")
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"Expected steps to be a positive integer, but got {steps!r}")
    n, num_features = len(x), x[0].numel()
    flat_x = x.reshape(n, num_features)
    flat_base = torch.as_tensor(baseline, dtype=x.dtype, device=x.device).expand_as(x).reshape(n, num_features)
    order = attributions.reshape(n, num_features).argsort(dim=1, descending=True, stable=True)
    rank = torch.empty_like(order).scatter_(1, order, torch.arange(num_features, device=x.device).expand(n, -1))
    curve = []
    for k in range(steps + 1):
        deleted = rank < -(-k * num_features // steps)  # the top ceil(k D / steps) features of each input
        inputs = torch.where(deleted, flat_base, flat_x).reshape_as(x)
        curve.append(model(inputs).softmax(dim=1).gather(1, target[:, None]).squeeze(1))
    return torch.stack(curve, dim=1)  # (N, steps + 1)


def deletion_auc(curve: torch.Tensor) -> torch.Tensor:
    """Area under each deletion curve over the deleted fraction 0..1 (trapezoid rule); lower: a faster drop.

    Example:
        >>> import torch
        >>> from dlkit.trust.attribution import deletion_auc
        >>> deletion_auc(torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]))
        tensor([0.2500, 1.0000])
    """
    if curve.ndim != 2 or curve.shape[1] < 2:
        raise ValueError(f"Expected curves of shape (N, steps + 1) with steps >= 1, but got {tuple(curve.shape)}")
    return torch.trapezoid(curve, dx=1.0 / (curve.shape[1] - 1), dim=1)


def rank_correlation(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""Spearman rank correlation between two attribution maps per input, ``(N,)``: 1 for the same ordering.

    Example:
        >>> import torch
        >>> from dlkit.trust.attribution import rank_correlation
        >>> a = torch.tensor([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]])
        >>> rank_correlation(a, torch.tensor([[10.0, 20.0, 30.0, 40.0], [4.0, 3.0, 2.0, 1.0]]))
        tensor([ 1., -1.])
    """
    if a.shape != b.shape or a.ndim < 2:
        raise ValueError(f"Expected two (N, ...) attribution tensors of one shape, but got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")

    def ranks(t: torch.Tensor) -> torch.Tensor:
        flat = t.reshape(len(t), -1)
        return flat.argsort(dim=1).argsort(dim=1).to(torch.float64)

    ra, rb = ranks(a), ranks(b)
    ra, rb = ra - ra.mean(dim=1, keepdim=True), rb - rb.mean(dim=1, keepdim=True)
    return ((ra * rb).sum(dim=1) / (ra.norm(dim=1) * rb.norm(dim=1))).to(a.dtype)


def randomized_copy(model: nn.Module, *, seed: int = 0) -> nn.Module:
    """A deep copy of ``model`` with every layer's parameters re-initialised (``reset_parameters``), seeded.

    Batch-norm running statistics are reset too; the copy keeps ``model``'s training/eval mode.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from dlkit.trust.attribution import randomized_copy
        >>> net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> copy = randomized_copy(net, seed=1)
        >>> torch.equal(copy[0].weight, net[0].weight), copy[0].weight.shape == net[0].weight.shape
        (False, True)
    """
    _check_model(model)
    fresh = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for module in fresh.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
            if hasattr(module, "reset_running_stats"):
                module.reset_running_stats()
    return fresh
