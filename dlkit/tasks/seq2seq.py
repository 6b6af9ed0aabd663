r"""Sequence to sequence: teacher forcing in training, greedy decoding scored by exact match and BLEU.

Batches are ``(src, tgt)`` id tensors; ``tgt`` is ``<bos> y_1 ... y_n <eos>`` followed by padding. With
**teacher forcing** the decoder reads the true target shifted right (``tgt[:, :-1]``) and is trained to predict
``tgt[:, 1:]`` at every position in one pass. At validation and test time the network also **decodes greedily**
from ``<bos>`` alone, exactly as it would be used, and the task logs the share of sequences it gets exactly right
and their corpus BLEU (torchmetrics ``BLEUScore`` over the target tokens).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric, MetricCollection
from torchmetrics.classification import MulticlassAccuracy
from torchmetrics.text import BLEUScore

from dlkit.tasks.base import SupervisedTask

__all__ = ["Seq2SeqTask", "ids_to_tokens"]


def ids_to_tokens(ids: torch.Tensor, *, eos_id: int, pad_id: int) -> list[str]:
    """Each row of ids as a space-separated string of its ids, cut at the first ``eos_id``, padding dropped.

    BLEU and exact match compare these strings, so no vocabulary is needed to score.

    Example:
        >>> import torch
        >>> from dlkit.tasks.seq2seq import ids_to_tokens
        >>> ids_to_tokens(torch.tensor([[5, 6, 2, 0], [7, 0, 0, 0]]), eos_id=2, pad_id=0)
        ['5 6', '7']
    """
    rows = []
    for row in ids.tolist():
        if eos_id in row:
            row = row[: row.index(eos_id)]
        rows.append(" ".join(str(i) for i in row if i != pad_id))
    return rows


class Seq2SeqTask(SupervisedTask):
    r"""Train an encoder-decoder network (e.g. ``dlkit.models.transformer.Seq2SeqTransformer``) with teacher forcing.

    The loss is the cross-entropy of the next target token, padding ignored:
    $\mathcal{L} = -\frac{1}{|\{t: y_t \ne \mathrm{pad}\}|} \sum_t \log p(y_t \mid y_{<t}, x)$.
    Logs ``{train,val,test}_loss`` and ``_token_acc`` (teacher-forced next-token accuracy), and for validation
    and test ``_exact_match`` and ``_bleu`` of greedy decodes. ``trainer.predict`` returns greedy decodes.

    Args:
        pad_id, bos_id, eos_id: ids of the padding, begin- and end-of-sequence tokens.
        max_new_tokens: longest greedy decode (targets without ``<bos>``).
        label_smoothing: cross-entropy label smoothing in [0, 1).
        **task_kwargs: ``model``, ``model_kwargs``, ``l1`` and the optimiser options: see ``SupervisedTask``. The
            network must have ``forward(src, tgt_in)`` returning ``(B, T, tgt_vocab_size)`` logits,
            ``greedy_decode(src, bos_id=, eos_id=, max_new_tokens=)`` and a ``tgt_vocab_size`` attribute.

    Example:
        >>> import torch
        >>> from dlkit.models.transformer import Seq2SeqTransformer
        >>> from dlkit.tasks.seq2seq import Seq2SeqTask
        >>> task = Seq2SeqTask(
        ...     model=Seq2SeqTransformer, model_kwargs={"src_vocab_size": 10, "tgt_vocab_size": 10, "d_model": 16},
        ...     pad_id=0, bos_id=1, eos_id=2, max_new_tokens=6)
        >>> src, tgt = torch.randint(3, 10, (4, 5)), torch.randint(3, 10, (4, 7))
        >>> task(src, tgt[:, :-1]).shape
        torch.Size([4, 6, 10])
        >>> task.translate(src).shape
        torch.Size([4, 6])
    """

    def __init__(
        self,
        *,
        pad_id: int = 0,
        bos_id: int = 1,
        eos_id: int = 2,
        max_new_tokens: int = 16,
        label_smoothing: float = 0.0,
        **task_kwargs: Any,
    ) -> None:
        if len({pad_id, bos_id, eos_id}) != 3:
            raise ValueError(f"Expected distinct pad_id, bos_id and eos_id, but got {pad_id}, {bos_id}, {eos_id}")
        if max_new_tokens < 1:
            raise ValueError(f"Expected max_new_tokens >= 1, but got {max_new_tokens}")
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"Expected label_smoothing in [0, 1), but got {label_smoothing}")
        super().__init__(**task_kwargs)
        self.pad_id, self.bos_id, self.eos_id = pad_id, bos_id, eos_id
        self.max_new_tokens, self.label_smoothing = max_new_tokens, label_smoothing

    def inputs_and_targets(self, batch: Any, stage: str, batch_idx: int) -> tuple[Any, torch.Tensor]:
        src, tgt = super().inputs_and_targets(batch, stage, batch_idx)
        if tgt.ndim != 2 or tgt.shape[1] < 2 or src.ndim != 2 or len(src) != len(tgt):
            raise ValueError(
                f"Expected src (B, S) and tgt (B, T) with T >= 2 (<bos> ... <eos>), but got shapes "
                f"{tuple(src.shape)} and {tuple(tgt.shape)}"
            )
        return (src, tgt[:, :-1]), tgt[:, 1:]  # teacher forcing: read y_<t, predict y_t

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        return self.net(src, tgt_in)

    def translate(self, src: torch.Tensor) -> torch.Tensor:
        """Greedy decodes ``(B, max_new_tokens)`` of sources ``(B, S)``; rows end with ``eos_id`` then padding."""
        return self.net.greedy_decode(src, bos_id=self.bos_id, eos_id=self.eos_id, max_new_tokens=self.max_new_tokens)

    def predict(self, src: torch.Tensor) -> torch.Tensor:
        """What ``trainer.predict`` returns: greedy decodes (``translate``)."""
        return self.translate(src)

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        logits = outputs.reshape(-1, outputs.shape[-1])  # (B, T, V) -> (B*T, V)
        return F.cross_entropy(logits, targets.reshape(-1), ignore_index=self.pad_id, label_smoothing=self.label_smoothing)

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        """Teacher-forced next-token probabilities, ``(B, T, tgt_vocab_size)``."""
        return outputs.softmax(dim=-1)

    def make_metrics(self) -> MetricCollection:
        return MetricCollection(
            {
                "token_acc": MulticlassAccuracy(self.net.tgt_vocab_size, ignore_index=self.pad_id, average="micro"),
                "exact_match": MeanMetric(),  # these two: validation and test only, by evaluate()
                "bleu": BLEUScore(),
            },
            compute_groups=False,  # updated separately
        )

    def update_metrics(self, metrics: MetricCollection, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        metrics["token_acc"].update(outputs.reshape(-1, outputs.shape[-1]), targets.reshape(-1))  # (B*T, V), (B*T,)

    def evaluate(self, inputs: Any, targets: torch.Tensor, metrics: MetricCollection, stage: str) -> None:
        """Decode greedily from ``<bos>`` alone, as the model is used, and score exact match and BLEU."""
        src, _ = inputs
        predicted = ids_to_tokens(self.translate(src), eos_id=self.eos_id, pad_id=self.pad_id)
        expected = ids_to_tokens(targets, eos_id=self.eos_id, pad_id=self.pad_id)
        exact = torch.tensor([p == e for p, e in zip(predicted, expected)], dtype=torch.float32, device=src.device)
        metrics["exact_match"].update(exact)
        metrics["bleu"].update(predicted, [[e] for e in expected])
