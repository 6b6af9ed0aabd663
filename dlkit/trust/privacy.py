r"""Differentially private training with Opacus (DP-SGD), and a membership-inference attack to test privacy.

DP-SGD (Abadi et al., 2016) changes two things in each step of SGD: every example's gradient is clipped to
$L_2$ norm at most $C$ (``max_grad_norm``), and Gaussian noise of standard deviation $\sigma C$
(``noise_multiplier`` $\sigma$) is added to their sum. Batches are drawn by Poisson sampling. Opacus' accountant
then bounds the privacy loss: the training run is $(\varepsilon, \delta)$-differentially private, so no single
training example can change the probability of any outcome by more than a factor $e^\varepsilon$ (plus $\delta$).

``membership_inference`` runs the simplest attack that DP defends against (Yeom et al., 2018): guess "was in the
training set" when the model's loss on an example is low.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

__all__ = ["DPResult", "train_dp_classifier", "membership_inference", "per_example_loss"]


@dataclass
class DPResult:
    """What ``train_dp_classifier`` returns: the trained network and its privacy guarantee."""

    model: nn.Module
    epsilon: float  # the accountant's epsilon at the end of training (inf without noise)
    delta: float
    noise_multiplier: float


def _check_xy(x: torch.Tensor, y: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"Expected x to be a floating-point tensor, but got {getattr(x, 'dtype', type(x).__name__)}")
    if not isinstance(y, torch.Tensor) or y.ndim != 1 or y.dtype != torch.int64 or len(y) != len(x):
        raise ValueError(f"Expected y to be int64 class ids of shape ({len(x)},), but got "
                         f"{getattr(y, 'dtype', type(y).__name__)} of shape {tuple(getattr(y, 'shape', ()))}")


def train_dp_classifier(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    max_grad_norm: float = 1.0,
    noise_multiplier: float | None = None,
    target_epsilon: float | None = None,
    delta: float = 1e-5,
    seed: int = 0,
) -> DPResult:
    r"""Train a classifier with DP-SGD through Opacus' ``PrivacyEngine``; give ``noise_multiplier`` or
    ``target_epsilon`` (then Opacus finds the noise that spends exactly that budget over ``epochs``).

    The model must not contain batch norm (it mixes examples; Opacus' ``ModuleValidator.fix`` swaps it for group
    norm). Training runs on the CPU or wherever ``model`` already is; the returned model is the trained module
    itself, unwrapped, in eval mode.

    Args:
        model: a classifier returning logits.
        x, y: training inputs ``(N, ...)`` and class ids ``(N,)``.
        epochs, batch_size, lr: SGD settings; ``batch_size`` is the expected size of a Poisson-sampled batch.
        max_grad_norm: the per-example clipping norm $C$.
        noise_multiplier: $\sigma$; 0 gives clipped, noiseless SGD (``epsilon`` is then infinite).
        target_epsilon: the privacy budget to spend instead of a fixed ``noise_multiplier``.
        delta: the $\delta$ of $(\varepsilon, \delta)$-DP, well below $1/N$.
        seed: seeds the batch sampling and the noise.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from dlkit.trust.privacy import train_dp_classifier
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> x, y = torch.randn(200, 4), torch.randint(0, 2, (200,))
        >>> result = train_dp_classifier(nn.Linear(4, 2), x, y, epochs=2, batch_size=50, lr=0.1,
        ...                              target_epsilon=2.0, delta=1e-3)
        >>> round(result.epsilon, 1), result.noise_multiplier > 0
        (2.0, True)
    """
    from opacus import PrivacyEngine  # optional dependency, imported where it is used

    if not isinstance(model, nn.Module):
        raise TypeError(f"Expected model to be an nn.Module, but got {type(model).__name__}")
    _check_xy(x, y)
    if (noise_multiplier is None) == (target_epsilon is None):
        raise ValueError(f"Expected exactly one of noise_multiplier and target_epsilon, but got "
                         f"noise_multiplier={noise_multiplier}, target_epsilon={target_epsilon}")
    if noise_multiplier is not None and noise_multiplier < 0:
        raise ValueError(f"Expected noise_multiplier >= 0, but got {noise_multiplier}")
    if target_epsilon is not None and not target_epsilon > 0:
        raise ValueError(f"Expected target_epsilon > 0, but got {target_epsilon}")
    if not 0 < delta < 1:
        raise ValueError(f"Expected delta in (0, 1), but got {delta}")
    if not max_grad_norm > 0:
        raise ValueError(f"Expected max_grad_norm > 0, but got {max_grad_norm}")
    if any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()):
        raise ValueError("Expected a model without batch norm (DP-SGD needs per-example gradients), but got one "
                         "with BatchNorm layers; replace them, e.g. with opacus.validators.ModuleValidator.fix")

    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(TensorDataset(x.to(device), y.to(device)), batch_size=batch_size, generator=generator)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG.*")  # Opacus' notice: not a cryptographic RNG
        warnings.filterwarnings("ignore", message=".*full_backward_hook.*")
        warnings.filterwarnings("ignore", message=".*Optimal order is the (largest|smallest) alpha.*")
        engine = PrivacyEngine(accountant="rdp")
        common = {"module": model, "optimizer": optimizer, "data_loader": loader, "max_grad_norm": max_grad_norm,
                  "noise_generator": torch.Generator(device=device).manual_seed(seed + 1)}
        if target_epsilon is not None:
            private, optimizer, loader = engine.make_private_with_epsilon(
                **common, target_epsilon=target_epsilon, target_delta=delta, epochs=epochs)
        else:
            private, optimizer, loader = engine.make_private(**common, noise_multiplier=noise_multiplier)
        private.train()
        for _ in range(epochs):
            for xb, yb in loader:
                if len(xb) == 0:  # Poisson sampling can draw an empty batch
                    continue
                optimizer.zero_grad()
                F.cross_entropy(private(xb), yb).backward()
                optimizer.step()
        sigma = float(optimizer.noise_multiplier)
        epsilon = float("inf") if sigma == 0 else float(engine.get_epsilon(delta))
    trained = private._module
    for module in trained.modules():  # drop Opacus' per-sample-gradient state
        for name in ("grad_sample", "_forward_counter"):
            for p in module.parameters(recurse=False):
                if hasattr(p, name):
                    delattr(p, name)
    return DPResult(model=trained.eval(), epsilon=epsilon, delta=delta, noise_multiplier=sigma)


@torch.no_grad()
def per_example_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each example, ``(N,)``, with the model in eval mode.

    Example:
        >>> import torch
        >>> from dlkit.trust.privacy import per_example_loss
        >>> per_example_loss(torch.nn.Identity(), torch.tensor([[0.0, 0.0]]), torch.tensor([1]))
        tensor([0.6931])
    """
    _check_xy(x, y)
    model.eval()
    return F.cross_entropy(model(x), y, reduction="none")


def membership_inference(
    model: nn.Module, members: tuple[torch.Tensor, torch.Tensor], non_members: tuple[torch.Tensor, torch.Tensor]
) -> dict[str, float]:
    r"""The loss-threshold membership-inference attack: score each example by its negative loss and ask how well
    that separates training examples (members) from unseen ones.

    Returns ``{"auc": ..., "advantage": ...}``: the ROC AUC of the score (0.5 = guessing) and the attacker's best
    advantage $\max_t \mathrm{TPR}(t) - \mathrm{FPR}(t)$ (0 = guessing), which bounds what any threshold achieves.
    For an $\varepsilon$-DP model the advantage is at most $e^\varepsilon - 1$ (Yeom et al., 2018).

    Example:
        >>> import torch
        >>> from dlkit.trust.privacy import membership_inference
        >>> model = torch.nn.Identity()  # the inputs are the logits
        >>> members = (torch.tensor([[0.0, 5.0], [0.0, 4.0]]), torch.tensor([1, 1]))  # confident: low loss
        >>> others = (torch.tensor([[0.0, 0.1], [1.0, 0.0]]), torch.tensor([1, 1]))
        >>> membership_inference(model, members, others)
        {'auc': 1.0, 'advantage': 1.0}
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    if not (isinstance(members, tuple) and isinstance(non_members, tuple) and len(members) == len(non_members) == 2):
        raise TypeError("Expected members and non_members as (x, y) tuples")
    scores = torch.cat([-per_example_loss(model, *members), -per_example_loss(model, *non_members)]).cpu().numpy()
    is_member = [1] * len(members[1]) + [0] * len(non_members[1])
    fpr, tpr, _ = roc_curve(is_member, scores)
    return {"auc": float(roc_auc_score(is_member, scores)), "advantage": float((tpr - fpr).max())}
