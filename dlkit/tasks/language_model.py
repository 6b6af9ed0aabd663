r"""Language modelling: causal (GPT-style, next token) and masked (BERT-style, hidden tokens), with perplexity.

Both tasks train a network that returns logits ``(B, T, vocab_size)`` with the cross-entropy of the tokens to
predict, and log the **perplexity** $\exp(\text{mean cross-entropy})$ through torchmetrics
(``torchmetrics.text.Perplexity``): the number of equally likely tokens the model is, on average, choosing among.
A model that knows nothing (uniform over the vocabulary) has perplexity ``vocab_size``.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy
from torchmetrics.text import Perplexity

from dlkit.tasks.base import SupervisedTask

__all__ = ["CausalLMTask", "MaskedLMTask", "mask_tokens", "IGNORE_INDEX"]

IGNORE_INDEX = -100  # target id of positions that do not count (F.cross_entropy's default ignore_index)


class _LanguageModelTask(SupervisedTask):
    """Shared by both tasks: cross-entropy over ``(B, T, V)`` logits, perplexity and token accuracy per split."""

    def make_metrics(self) -> MetricCollection:
        vocab_size = self.net.vocab_size
        return MetricCollection(
            {
                "perplexity": Perplexity(ignore_index=IGNORE_INDEX),
                "acc": MulticlassAccuracy(vocab_size, ignore_index=IGNORE_INDEX, average="micro"),
            },
            compute_groups=False,  # the two are updated separately, with differently shaped inputs
        )

    def update_metrics(self, metrics: MetricCollection, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        metrics["perplexity"].update(outputs, targets)  # (B, T, V), (B, T)
        metrics["acc"].update(outputs.reshape(-1, outputs.shape[-1]), targets.reshape(-1))  # (B*T, V), (B*T,)

    def check_outputs(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if outputs.ndim != 3 or outputs.shape[:2] != targets.shape:
            raise ValueError(
                f"Expected logits of shape (B, T, vocab_size) with (B, T) = {tuple(targets.shape)}, "
                f"but the network returned {tuple(outputs.shape)}"
            )
        return outputs

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), targets.reshape(-1), ignore_index=IGNORE_INDEX)

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        """Next-token (or masked-token) probabilities, ``(B, T, vocab_size)``."""
        return outputs.softmax(dim=-1)


class CausalLMTask(_LanguageModelTask):
    r"""Next-token prediction for a decoder-only network such as ``dlkit.models.gpt.GPT``.

    Batches are ``(x, y)`` with ``y`` the tokens following ``x`` (``dlkit.data.corpus.CharCorpusDataModule``).
    Logs ``{train,val,test}_loss``, ``_perplexity`` and ``_acc`` (next-token accuracy).

    Args:
        optimizer: as in ``SupervisedTask``, AdamW by default.
        **task_kwargs: ``model`` (ids ``(B, T)`` -> logits ``(B, T, vocab_size)``, with a ``vocab_size``
            attribute), ``model_kwargs``, ``l1`` and the optimiser options: see ``SupervisedTask``.

    Example:
        >>> import torch
        >>> from dlkit.models.gpt import GPT
        >>> from dlkit.tasks.language_model import CausalLMTask
        >>> task = CausalLMTask(model=GPT, model_kwargs={"vocab_size": 20, "max_len": 8, "d_model": 16})
        >>> task(torch.randint(0, 20, (2, 8))).shape
        torch.Size([2, 8, 20])
    """

    def __init__(self, *, optimizer: str = "adamw", **task_kwargs: Any) -> None:
        super().__init__(optimizer=optimizer, **task_kwargs)

    def inputs_and_targets(self, batch: Any, stage: str, batch_idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = super().inputs_and_targets(batch, stage, batch_idx)
        if x.shape != y.shape:
            raise ValueError(f"Expected inputs and next-token targets of one shape, but got {tuple(x.shape)} and {tuple(y.shape)}")
        return x, y


def mask_tokens(
    ids: torch.Tensor,
    *,
    mask_id: int,
    vocab_size: int,
    mask_prob: float = 0.15,
    protected_ids: tuple[int, ...] = (),
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's corruption: pick ``mask_prob`` of the positions; of those, 80% become ``mask_id``, 10% a random token,
    10% stay. Returns ``(corrupted ids, targets)``: targets hold the original id at picked positions and
    ``IGNORE_INDEX`` elsewhere.

    The random draws are made on the CPU (with ``generator`` if given), so a seed gives the same masks on any device.

    Args:
        ids: token ids ``(B, T)``.
        mask_id: id of the ``[MASK]`` token.
        vocab_size: random replacements are drawn from ``0..vocab_size - 1``, ``protected_ids`` excluded.
        mask_prob: share of positions to predict.
        protected_ids: ids never picked nor drawn (padding, ``[MASK]`` itself, ...).
        generator: a CPU ``torch.Generator`` for reproducible masks.

    Example:
        >>> import torch
        >>> from dlkit.tasks.language_model import mask_tokens
        >>> ids = torch.randint(2, 30, (256, 64))
        >>> corrupted, targets = mask_tokens(ids, mask_id=1, vocab_size=30, protected_ids=(0, 1),
        ...                                  generator=torch.Generator().manual_seed(0))
        >>> picked = targets != -100  # about 15% of the 16,384 positions (sd 0.003)
        >>> abs(picked.float().mean().item() - 0.15) < 0.02, bool((targets[picked] == ids[picked]).all())
        (True, True)
        >>> abs((corrupted[picked] == 1).float().mean().item() - 0.8) < 0.05  # 80% of them became [MASK]
        True
    """
    if ids.ndim != 2:
        raise ValueError(f"Expected token ids of shape (B, T), but got shape {tuple(ids.shape)}")
    if not 0.0 < mask_prob < 1.0:
        raise ValueError(f"Expected mask_prob in the open interval (0, 1), but got {mask_prob}")
    cpu_ids = ids.cpu()
    protected = torch.zeros_like(cpu_ids, dtype=torch.bool)
    for special in protected_ids:
        protected |= cpu_ids == special
    draw = torch.rand(cpu_ids.shape, generator=generator)  # (B, T)
    picked = (draw < mask_prob) & ~protected
    action = torch.rand(cpu_ids.shape, generator=generator)  # 80% mask, 10% random, 10% keep
    allowed = torch.tensor([i for i in range(vocab_size) if i not in protected_ids])
    random_ids = allowed[torch.randint(len(allowed), cpu_ids.shape, generator=generator)]
    corrupted = torch.where(picked & (action < 0.8), torch.full_like(cpu_ids, mask_id), cpu_ids)
    corrupted = torch.where(picked & (action >= 0.8) & (action < 0.9), random_ids, corrupted)
    targets = torch.where(picked, cpu_ids, torch.full_like(cpu_ids, IGNORE_INDEX))
    return corrupted.to(ids.device), targets.to(ids.device)


class MaskedLMTask(_LanguageModelTask):
    r"""Masked language modelling for a bidirectional network such as ``dlkit.models.bert.BERT``.

    Each batch's tokens are corrupted by ``mask_tokens`` and the network predicts the originals at the picked
    positions only. Training draws new masks every step; validation and test masks are fixed (seeded by the batch
    index), so their numbers are comparable across epochs. Batches are ids ``(B, T)``, or a tuple whose first
    element is the ids (e.g. ``CharCorpusDataModule``'s ``(x, y)``). Logs ``{train,val,test}_loss``,
    ``_perplexity`` and ``_acc`` (masked-token accuracy), all over the picked positions.

    Args:
        mask_id: id of the ``[MASK]`` token.
        mask_prob: share of positions to predict.
        protected_ids: ids never masked nor drawn as random replacements (padding ...); ``mask_id`` always is.
        optimizer: as in ``SupervisedTask``, AdamW by default.
        **task_kwargs: ``model``, ``model_kwargs``, ``l1`` and the optimiser options: see ``SupervisedTask``.

    Example:
        >>> import torch
        >>> from dlkit.models.bert import BERT
        >>> from dlkit.tasks.language_model import MaskedLMTask
        >>> task = MaskedLMTask(model=BERT, model_kwargs={"vocab_size": 20, "max_len": 8, "d_model": 16}, mask_id=1)
        >>> x, y = task.inputs_and_targets(torch.randint(2, 20, (4, 8)), "val", 0)
        >>> task(x).shape, bool((y[x == 1] != -100).all())  # every [MASK] (id 1) is a position to predict
        (torch.Size([4, 8, 20]), True)
    """

    def __init__(
        self,
        *,
        mask_id: int,
        mask_prob: float = 0.15,
        protected_ids: tuple[int, ...] | list[int] = (),
        optimizer: str = "adamw",
        **task_kwargs: Any,
    ) -> None:
        if not 0.0 < mask_prob < 1.0:
            raise ValueError(f"Expected mask_prob in the open interval (0, 1), but got {mask_prob}")
        super().__init__(optimizer=optimizer, **task_kwargs)
        if not 0 <= mask_id < self.net.vocab_size:
            raise ValueError(f"Expected mask_id in 0..{self.net.vocab_size - 1}, but got {mask_id}")
        self.mask_id, self.mask_prob = mask_id, mask_prob
        self.protected_ids = tuple(sorted({mask_id, *protected_ids}))

    def inputs_and_targets(self, batch: Any, stage: str, batch_idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        ids = batch[0] if isinstance(batch, (tuple, list)) else batch
        generator = None if stage == "train" else torch.Generator().manual_seed(batch_idx)
        return mask_tokens(
            ids, mask_id=self.mask_id, vocab_size=self.net.vocab_size, mask_prob=self.mask_prob,
            protected_ids=self.protected_ids, generator=generator,
        )
