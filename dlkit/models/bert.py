r"""A BERT-style encoder: masked language modelling (self-supervised pretraining) and a classification head.

Read top to bottom: the encoder (token + learned position embeddings, bidirectional transformer blocks: dlkit's
one pre-norm block with a GELU feed-forward, as in BERT), the
masked-language-model network ``BERT`` (encoder + a head predicting every position's token), and
``BERTClassifier`` (the same encoder + a head on the mean of its outputs). Pretraining ``BERT`` and then copying
its ``encoder`` into a ``BERTClassifier`` is transfer learning:
``classifier.encoder.load_state_dict(bert.encoder.state_dict())``.
"""

from __future__ import annotations

import torch
from torch import nn

from dlkit.models.transformer import TokenEmbedding, TransformerEncoder, init_gpt_weights

__all__ = ["BERTEncoder", "BERT", "BERTClassifier"]


class BERTEncoder(nn.Module):
    """Bidirectional transformer encoder: every position attends to every (non-padding) position.

    Args:
        vocab_size: number of tokens (including special ones such as ``[MASK]`` and padding).
        max_len: longest input sequence.
        d_model, num_heads, num_layers, dropout: as in ``dlkit.models.gpt.GPT``.
        d_ff: hidden width of each block's feed-forward network (default ``4 * d_model``).
        pad_id: padding token id, masked out as a key; ``None`` if inputs are never padded.

    Example:
        >>> import torch
        >>> from dlkit.models.bert import BERTEncoder
        >>> BERTEncoder(vocab_size=30, max_len=16, d_model=32)(torch.randint(0, 30, (2, 16))).shape
        torch.Size([2, 16, 32])
    """

    def __init__(
        self,
        *,
        vocab_size: int,
        max_len: int,
        d_model: int = 64,
        num_heads: int = 4,
        num_layers: int = 2,
        d_ff: int | None = None,
        dropout: float = 0.0,
        pad_id: int | None = None,
    ) -> None:
        super().__init__()
        if pad_id is not None and not 0 <= pad_id < vocab_size:
            raise ValueError(f"Expected pad_id in 0..{vocab_size - 1}, but got {pad_id}")
        self.vocab_size, self.max_len, self.pad_id, self.d_model = vocab_size, max_len, pad_id, d_model
        self.embed = TokenEmbedding(vocab_size=vocab_size, max_len=max_len, d_model=d_model, dropout=dropout)
        self.transformer = TransformerEncoder(  # no causal mask: both directions
            d_model=d_model, num_heads=num_heads, num_layers=num_layers, d_ff=d_ff, dropout=dropout
        )

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids ``(B, T)`` -> contextual representations ``(B, T, d_model)``."""
        padding = None if self.pad_id is None else ids != self.pad_id  # (B, T), True at real tokens
        return self.transformer(self.embed(ids), key_padding_mask=padding)


class BERT(nn.Module):
    r"""Masked language model: predict the original token at every position of a partly masked input.

    Trained (``dlkit.tasks.language_model.MaskedLMTask``) only on the masked positions, it must use the context
    on both sides, learning representations without any labels. Same arguments as ``BERTEncoder``.

    Example:
        >>> import torch
        >>> from dlkit.models.bert import BERT
        >>> net = BERT(vocab_size=30, max_len=16, d_model=32)
        >>> net(torch.randint(0, 30, (2, 16))).shape  # logits over the vocabulary at every position
        torch.Size([2, 16, 30])
    """

    def __init__(
        self,
        *,
        vocab_size: int,
        max_len: int,
        d_model: int = 64,
        num_heads: int = 4,
        num_layers: int = 2,
        d_ff: int | None = None,
        dropout: float = 0.0,
        pad_id: int | None = None,
    ) -> None:
        super().__init__()
        self.vocab_size, self.max_len = vocab_size, max_len
        self.encoder = BERTEncoder(
            vocab_size=vocab_size, max_len=max_len, d_model=d_model, num_heads=num_heads,
            num_layers=num_layers, d_ff=d_ff, dropout=dropout, pad_id=pad_id,
        )
        self.mlm_head = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.LayerNorm(d_model))
        self.decoder = nn.Linear(d_model, vocab_size)
        self.decoder.weight = self.encoder.embed.token_embed.weight  # tied to the input embedding, as in BERT
        self.apply(init_gpt_weights)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids ``(B, T)`` -> logits ``(B, T, vocab_size)``."""
        return self.decoder(self.mlm_head(self.encoder(ids)))


class BERTClassifier(nn.Module):
    """A ``BERTEncoder`` with a linear classifier on the mean of its (non-padding) outputs.

    Args:
        num_classes: number of output logits.
        The other arguments as in ``BERTEncoder``; they must match a pretrained ``BERT`` to load its encoder.

    Example:
        >>> import torch
        >>> from dlkit.models.bert import BERT, BERTClassifier
        >>> kwargs = {"vocab_size": 30, "max_len": 16, "d_model": 32}
        >>> pretrained, classifier = BERT(**kwargs), BERTClassifier(num_classes=3, **kwargs)
        >>> classifier.encoder.load_state_dict(pretrained.encoder.state_dict())
        <All keys matched successfully>
        >>> classifier(torch.randint(0, 30, (4, 16))).shape
        torch.Size([4, 3])
    """

    def __init__(
        self,
        *,
        vocab_size: int,
        max_len: int,
        num_classes: int,
        d_model: int = 64,
        num_heads: int = 4,
        num_layers: int = 2,
        d_ff: int | None = None,
        dropout: float = 0.0,
        pad_id: int | None = None,
    ) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"Expected num_classes >= 2, but got {num_classes}")
        self.encoder = BERTEncoder(
            vocab_size=vocab_size, max_len=max_len, d_model=d_model, num_heads=num_heads,
            num_layers=num_layers, d_ff=d_ff, dropout=dropout, pad_id=pad_id,
        )
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(d_model, num_classes)
        self.apply(init_gpt_weights)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids ``(B, T)`` -> class logits ``(B, num_classes)``."""
        h = self.encoder(ids)  # (B, T, d)
        if self.encoder.pad_id is None:
            pooled = h.mean(dim=1)  # (B, T, d) -> (B, d)
        else:
            real = (ids != self.encoder.pad_id).unsqueeze(-1).float()  # (B, T, 1)
            pooled = (h * real).sum(dim=1) / real.sum(dim=1).clamp(min=1.0)  # (B, d): mean over real tokens
        return self.classifier(self.dropout(pooled))
