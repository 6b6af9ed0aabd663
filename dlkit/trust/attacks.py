r"""Adversarial examples written from scratch (FGSM, PGD), accuracy under attack, and adversarial training.

Both attacks maximise the classifier's cross-entropy $\mathcal{L}(f(x'), y)$ inside an $L_\infty$ ball of radius
$\varepsilon$ around the input $x$, and keep $x'$ inside the valid pixel range ``[low, high]``:

- FGSM (Goodfellow et al., 2015), one step: $x' = \operatorname{clip}(x + \varepsilon \operatorname{sign}
  \nabla_x \mathcal{L}(f(x), y))$;
- PGD (Madry et al., 2018), ``steps`` steps of size $\alpha$, each projected back onto the ball:
  $x^{t+1} = \Pi_{\|x' - x\|_\infty \le \varepsilon}\bigl(x^t + \alpha \operatorname{sign}\nabla_x
  \mathcal{L}(f(x^t), y)\bigr)$, from a uniformly random start in the ball.

They follow torchattacks' ``FGSM`` and ``PGD`` step for step (the page checks they give the same tensors).
``AdversarialClassificationTask`` trains on a mix of clean and attacked batches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dlkit.tasks.classification import ClassificationTask

__all__ = ["ATTACKS", "fgsm", "pgd", "accuracy_under_attack", "AdversarialClassificationTask"]


def _check_attack_inputs(model: Any, x: torch.Tensor, y: torch.Tensor, eps: float, low: float, high: float) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"Expected model to be an nn.Module, but got {type(model).__name__}")
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"Expected x to be a floating-point tensor, but got {getattr(x, 'dtype', type(x).__name__)}")
    if not isinstance(y, torch.Tensor) or y.ndim != 1 or y.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"Expected y to be integer class ids of shape (N,), but got {getattr(y, 'dtype', type(y))}"
                        f" of shape {tuple(getattr(y, 'shape', ()))}")
    if len(x) != len(y):
        raise ValueError(f"Expected as many labels as inputs, but got {len(x)} inputs and {len(y)} labels")
    if not (isinstance(eps, (int, float)) and not isinstance(eps, bool) and eps >= 0):
        raise ValueError(f"Expected eps >= 0, but got {eps!r}")
    if not low < high:
        raise ValueError(f"Expected low < high (the valid input range), but got low={low}, high={high}")
    if bool((x < low).any()) or bool((x > high).any()):
        raise ValueError(f"Expected inputs inside [low, high] = [{low}, {high}], but got values in "
                         f"[{float(x.min()):.4g}, {float(x.max()):.4g}]")


def _input_gradient(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """$\\nabla_x$ of the mean cross-entropy, as torchattacks computes it (the attacks use only its sign)."""
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        loss = F.cross_entropy(model(x), y)
        (grad,) = torch.autograd.grad(loss, x)
    return grad


def fgsm(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, low: float = 0.0, high: float = 1.0
) -> torch.Tensor:
    r"""Fast gradient sign method: one step of size ``eps`` along the sign of the loss gradient.

    The model is used as it is (put it in ``eval()`` mode first); its parameters receive no gradient.

    Args:
        model: a classifier returning logits ``(N, num_classes)``.
        x: inputs inside ``[low, high]``, any shape ``(N, ...)``.
        y: true class ids ``(N,)``.
        eps: the $L_\infty$ budget, in the units of ``x``.
        low, high: the valid input range the adversarial example is clipped to.

    Returns:
        The adversarial inputs, same shape as ``x``, detached.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from dlkit.trust.attacks import fgsm
        >>> model = nn.Linear(2, 2)
        >>> with torch.no_grad():
        ...     _ = model.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
        ...     _ = model.bias.zero_()
        >>> x, y = torch.tensor([[0.6, 0.4]]), torch.tensor([0])
        >>> fgsm(model, x, y, eps=0.1)  # lowers the true logit, raises the other one
        tensor([[0.5000, 0.5000]])
    """
    _check_attack_inputs(model, x, y, eps, low, high)
    adversarial = x + eps * _input_gradient(model, x, y).sign()
    return adversarial.clamp(low, high).detach()


def pgd(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    eps: float,
    alpha: float,
    steps: int,
    random_start: bool = True,
    low: float = 0.0,
    high: float = 1.0,
) -> torch.Tensor:
    r"""Projected gradient descent (on the loss, ascending): ``steps`` signed steps of size ``alpha``, each
    projected back onto the $L_\infty$ ball of radius ``eps`` around ``x`` and onto ``[low, high]``.

    With ``random_start`` the attack starts at a uniformly random point of the ball, drawn from torch's global
    generator (seed it for a repeatable attack). ``alpha`` = ``eps``, ``steps`` = 1 without random start is FGSM.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from dlkit.trust.attacks import fgsm, pgd
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
        >>> x, y = torch.rand(5, 4), torch.tensor([0, 1, 2, 0, 1])
        >>> x_adv = pgd(model, x, y, eps=0.1, alpha=0.02, steps=10)
        >>> bool((x_adv - x).abs().max() <= 0.1 + 1e-6), bool(x_adv.min() >= 0 and x_adv.max() <= 1)
        (True, True)
        >>> torch.equal(pgd(model, x, y, eps=0.1, alpha=0.1, steps=1, random_start=False), fgsm(model, x, y, eps=0.1))
        True
    """
    _check_attack_inputs(model, x, y, eps, low, high)
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"Expected steps to be a positive integer, but got {steps!r}")
    if not alpha > 0:
        raise ValueError(f"Expected a positive step size alpha, but got {alpha!r}")
    x = x.detach()
    adversarial = x.clone()
    if random_start:
        adversarial = (adversarial + torch.empty_like(adversarial).uniform_(-eps, eps)).clamp(low, high)
    for _ in range(steps):
        adversarial = adversarial + alpha * _input_gradient(model, adversarial, y).sign()
        delta = (adversarial - x).clamp(-eps, eps)  # project onto the eps-ball around x ...
        adversarial = (x + delta).clamp(low, high).detach()  # ... and onto the valid range
    return adversarial


ATTACKS: dict[str, Callable[..., torch.Tensor]] = {"fgsm": fgsm, "pgd": pgd}


@torch.no_grad()
def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((model(x).argmax(dim=1) == y).float().mean())


def accuracy_under_attack(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    attack: str = "fgsm",
    eps: float,
    batch_size: int = 512,
    **attack_kwargs: Any,
) -> float:
    """Accuracy of ``model`` on ``attack(model, x, y, eps=eps, ...)``; ``eps=0`` gives the clean accuracy.

    The model is put in ``eval()`` mode (and left there). Inputs are attacked in batches of ``batch_size``.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from dlkit.trust.attacks import accuracy_under_attack
        >>> model = nn.Linear(2, 2)
        >>> with torch.no_grad():
        ...     _ = model.weight.copy_(torch.eye(2))
        ...     _ = model.bias.zero_()
        >>> x, y = torch.tensor([[0.6, 0.4], [0.1, 0.9]]), torch.tensor([0, 1])
        >>> accuracy_under_attack(model, x, y, eps=0.0), accuracy_under_attack(model, x, y, eps=0.15)
        (1.0, 0.5)
        >>> accuracy_under_attack(model, x, y, attack="cw", eps=0.1)
        Traceback (most recent call last):
        ...
        ValueError: Expected attack to be one of ['fgsm', 'pgd'], but got 'cw'
    """
    if attack not in ATTACKS:
        raise ValueError(f"Expected attack to be one of {sorted(ATTACKS)}, but got {attack!r}")
    model.eval()
    correct = 0.0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        x_adv = xb if eps == 0 else ATTACKS[attack](model, xb, yb, eps=eps, **attack_kwargs)
        correct += _accuracy(model, x_adv, yb) * len(xb)
    return correct / len(x)


class AdversarialClassificationTask(ClassificationTask):
    r"""A classifier trained on clean and adversarial examples (Goodfellow et al.'s mixed objective, with FGSM or
    Madry et al.'s PGD as the inner attack):

    $$\mathcal{L} = (1 - w)\,\mathcal{L}(f(x), y) + w\,\mathcal{L}(f(x'), y), \qquad x' = \text{attack}(f, x, y).$$

    Each training batch is attacked against the current network (in eval mode, so batch norm's running statistics
    are not updated by the attack). Validation and test batches are clean; measure robustness with
    ``accuracy_under_attack``.

    Args:
        attack: ``"fgsm"`` or ``"pgd"``.
        eps: the $L_\infty$ budget of the training attack, > 0.
        adversarial_weight: $w$ in [0, 1]; 1 trains on adversarial examples only.
        attack_kwargs: further arguments of the attack (``alpha``, ``steps`` for PGD; ``low``, ``high``).
        **task_kwargs: ``num_classes`` and everything else of ``ClassificationTask``.

    Example:
        >>> import torch
        >>> from dlkit.trust.attacks import AdversarialClassificationTask
        >>> task = AdversarialClassificationTask(
        ...     model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3}, num_classes=3,
        ...     attack="pgd", eps=0.1, attack_kwargs={"alpha": 0.05, "steps": 3},
        ... )
        >>> task.hparams.attack, task.hparams.eps
        ('pgd', 0.1)
        >>> loss = task.training_step((torch.rand(8, 4), torch.randint(0, 3, (8,))), 0)
        >>> loss.shape, task.training
        (torch.Size([]), True)
    """

    def __init__(
        self,
        *,
        attack: str = "fgsm",
        eps: float,
        adversarial_weight: float = 0.5,
        attack_kwargs: dict[str, Any] | None = None,
        **task_kwargs: Any,
    ) -> None:
        if attack not in ATTACKS:
            raise ValueError(f"Expected attack to be one of {sorted(ATTACKS)}, but got {attack!r}")
        if not (isinstance(eps, (int, float)) and eps > 0):
            raise ValueError(f"Expected eps > 0, but got {eps!r}")
        if not 0.0 <= adversarial_weight <= 1.0:
            raise ValueError(f"Expected adversarial_weight in [0, 1], but got {adversarial_weight}")
        super().__init__(**task_kwargs)
        self.attack, self.eps, self.adversarial_weight = attack, eps, adversarial_weight
        self.attack_kwargs = dict(attack_kwargs or {})

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = self.inputs_and_targets(batch, "train", batch_idx)
        self.net.eval()  # attack the network as it predicts; batch norm statistics stay untouched
        x_adv = ATTACKS[self.attack](self.net, x, y, eps=self.eps, **self.attack_kwargs)
        self.net.train()
        clean_loss = super().training_step((x, y), batch_idx)  # logs train_loss/acc on the clean batch
        adversarial_loss = self.loss(self.check_outputs(self.net(x_adv), y), y)
        self.log_terms({"adv_loss": adversarial_loss}, stage="train", batch_size=len(y))
        return (1 - self.adversarial_weight) * clean_loss + self.adversarial_weight * adversarial_loss
