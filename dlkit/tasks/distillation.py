r"""Knowledge distillation: a student network trained on a teacher's softened outputs as well as the labels.

The loss (Hinton et al., 2015) mixes the KL divergence between the teacher's and the student's class distributions
at temperature $T$ with the usual cross-entropy on the labels:

$$
\mathcal{L} = \alpha\, T^2\, \mathrm{KL}\big(\operatorname{softmax}(t / T)\,\|\,\operatorname{softmax}(s / T)\big)
+ (1 - \alpha)\, \mathrm{CE}(s, y).
$$

A high $T$ spreads the teacher's probability over the wrong classes too ("a 7 that looks a bit like a 1"): more
information per example than the one-hot label. $T^2$ keeps the gradient scale independent of $T$.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MetricCollection

from dlkit.tasks.classification import ClassificationTask

__all__ = ["DistillationTask", "distillation_targets"]


def distillation_targets(y: torch.Tensor, teacher_logits: torch.Tensor) -> torch.Tensor:
    """Pack labels and the teacher's logits into one target tensor ``(N, 1 + num_classes)``: column 0 the label.

    Example:
        >>> import torch
        >>> from dlkit.tasks.distillation import distillation_targets
        >>> distillation_targets(torch.tensor([2, 0]), torch.zeros(2, 3)).shape
        torch.Size([2, 4])
    """
    if y.ndim != 1 or teacher_logits.ndim != 2 or len(y) != len(teacher_logits):
        raise ValueError(
            f"Expected labels (N,) and teacher logits (N, num_classes), but got {tuple(y.shape)} and "
            f"{tuple(teacher_logits.shape)}"
        )
    return torch.cat([y[:, None].to(teacher_logits.dtype), teacher_logits.detach()], dim=1)


class DistillationTask(ClassificationTask):
    r"""Train a (small) student classifier on a teacher's soft targets and the labels.

    Training batches are ``(x, targets)`` with ``targets = distillation_targets(y, teacher_logits)``: the teacher's
    logits are computed once, beforehand, so the teacher needs no place in the task or its checkpoint. Batches with
    plain labels ``(x, y)`` (validation, test) are scored with the cross-entropy alone.

    Args:
        temperature: $T > 0$; the teacher's and student's logits are divided by it inside the KL term.
        alpha: weight of the distillation term in [0, 1]; 0 is plain training on labels.
        **task_kwargs: ``num_classes``, ``model``, ``model_kwargs`` and the optimiser options of
            ``ClassificationTask``.

    Example:
        >>> import torch
        >>> from dlkit.tasks.distillation import DistillationTask, distillation_targets
        >>> task = DistillationTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3},
        ...                         num_classes=3, temperature=4.0, alpha=1.0)
        >>> x, y = torch.randn(5, 4), torch.tensor([0, 1, 2, 0, 1])
        >>> same_as_student = distillation_targets(y, task(x))  # a teacher equal to the student: KL = 0
        >>> float(task.loss(task(x), same_as_student).detach())
        0.0
    """

    def __init__(self, *, temperature: float = 4.0, alpha: float = 0.9, **task_kwargs: Any) -> None:
        if not temperature > 0:
            raise ValueError(f"Expected temperature > 0, but got {temperature}")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"Expected alpha in [0, 1], but got {alpha}")
        super().__init__(**task_kwargs)
        self.temperature, self.alpha = temperature, alpha

    def _split(self, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        if targets.ndim == 2:
            if targets.shape[1] != 1 + self.num_classes:
                raise ValueError(
                    f"Expected targets of shape (N, {1 + self.num_classes}) (label, then teacher logits), but got "
                    f"{tuple(targets.shape)}"
                )
            return targets[:, 0].long(), targets[:, 1:]
        return targets, None

    def check_outputs(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return super().check_outputs(outputs, self._split(targets)[0])

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        y, teacher_logits = self._split(targets)
        hard = F.cross_entropy(outputs, y, label_smoothing=self.label_smoothing)
        if teacher_logits is None:
            return hard
        t = self.temperature
        soft = F.kl_div(
            F.log_softmax(outputs / t, dim=1), F.log_softmax(teacher_logits / t, dim=1),
            log_target=True, reduction="batchmean",
        )
        return self.alpha * t**2 * soft + (1 - self.alpha) * hard

    def update_metrics(self, metrics: MetricCollection, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        metrics.update(outputs, self._split(targets)[0])
