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
from torch import nn
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
    :math:`\mathcal{L} = -\frac{1}{|\{t: y_t \ne \mathrm{pad}\}|} \sum_t \log p(y_t \mid y_{<t}, x)`.
    Logs ``{train,val,test}_loss`` and ``_token_acc`` (teacher-forced next-token accuracy), and for validation
    and test ``_exact_match`` and ``_bleu`` of greedy decodes.

    Args:
        model: the network class or import path; it must have ``forward(src, tgt_in)`` returning
            ``(B, T, tgt_vocab_size)`` logits, ``greedy_decode(src, bos_id=, eos_id=, max_new_tokens=)`` and a
            ``tgt_vocab_size`` attribute.
        model_kwargs: the network's keyword arguments.
        pad_id, bos_id, eos_id: ids of the padding, begin- and end-of-sequence tokens.
        max_new_tokens: longest greedy decode (targets without ``<bos>``).
        lr, optimizer, weight_decay, momentum: see ``SupervisedTask``.
        label_smoothing: cross-entropy label smoothing in [0, 1).

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
        model: str | type[nn.Module],
        model_kwargs: dict[str, Any] | None = None,
        pad_id: int = 0,
        bos_id: int = 1,
        eos_id: int = 2,
        max_new_tokens: int = 16,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        label_smoothing: float = 0.0,
    ) -> None:
        if len({pad_id, bos_id, eos_id}) != 3:
            raise ValueError(f"Expected distinct pad_id, bos_id and eos_id, but got {pad_id}, {bos_id}, {eos_id}")
        self.pad_id = pad_id
        super().__init__(
            model=model, model_kwargs=model_kwargs, lr=lr, optimizer=optimizer,
            weight_decay=weight_decay, momentum=momentum,
        )
        self._store_hyperparameters()
        self.val_exact_match, self.test_exact_match = MeanMetric(), MeanMetric()
        self.val_bleu, self.test_bleu = BLEUScore(), BLEUScore()

    def make_metrics(self) -> MetricCollection:
        return MetricCollection(
            {"token_acc": MulticlassAccuracy(self.net.tgt_vocab_size, ignore_index=self.pad_id, average="micro")}
        )

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        return self.net(src, tgt_in)

    def translate(self, src: torch.Tensor) -> torch.Tensor:
        """Greedy decodes ``(B, max_new_tokens)`` of sources ``(B, S)``; rows end with ``eos_id`` then padding."""
        hp = self.hparams
        return self.net.greedy_decode(src, bos_id=hp.bos_id, eos_id=hp.eos_id, max_new_tokens=hp.max_new_tokens)

    def loss(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        logits = outputs.reshape(-1, outputs.shape[-1])  # (B, T, V) -> (B*T, V)
        return F.cross_entropy(
            logits, y.reshape(-1), ignore_index=self.pad_id, label_smoothing=self.hparams.label_smoothing
        )

    def _step(self, batch: tuple[torch.Tensor, torch.Tensor], stage: str, metrics: MetricCollection) -> torch.Tensor:
        src, tgt = batch
        if tgt.ndim != 2 or tgt.shape[1] < 2 or src.ndim != 2 or len(src) != len(tgt):
            raise ValueError(
                f"Expected src (B, S) and tgt (B, T) with T >= 2 (<bos> ... <eos>), but got shapes "
                f"{tuple(src.shape)} and {tuple(tgt.shape)}"
            )
        tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]  # teacher forcing: read y_<t, predict y_t
        logits = self(src, tgt_in)  # (B, T-1, V)
        loss = self.loss(logits, tgt_out)
        metrics.update(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        self.log(f"{stage}_loss", loss, on_step=False, on_epoch=True, prog_bar=True, batch_size=len(src))
        self.log_dict(metrics, on_step=False, on_epoch=True, prog_bar=stage != "train")
        if stage != "train":
            hp = self.hparams
            predicted = ids_to_tokens(self.translate(src), eos_id=hp.eos_id, pad_id=hp.pad_id)
            expected = ids_to_tokens(tgt_out, eos_id=hp.eos_id, pad_id=hp.pad_id)
            exact, bleu = getattr(self, f"{stage}_exact_match"), getattr(self, f"{stage}_bleu")
            exact.update(torch.tensor([p == e for p, e in zip(predicted, expected)], dtype=torch.float32, device=src.device))
            bleu.update(predicted, [[e] for e in expected])
            self.log(f"{stage}_exact_match", exact, on_step=False, on_epoch=True, prog_bar=True)
            self.log(f"{stage}_bleu", bleu, on_step=False, on_epoch=True, prog_bar=True)
        return loss

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        src = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self.translate(src)
