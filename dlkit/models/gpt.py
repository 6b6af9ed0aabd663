r"""A GPT-style decoder-only language model, and text generation with temperature and top-k sampling.

Read top to bottom: the network (token + learned position embeddings, causal transformer blocks, a linear head to
next-token logits), then ``generate``. A GPT block is dlkit's one transformer block
(``dlkit.models.transformer.TransformerEncoderBlock``: pre-norm, GELU feed-forward) with ``causal=True``: position
$t$ sees tokens $\le t$ only, so the logits at $t$ predict token $t + 1$.
"""

from __future__ import annotations

import torch
from torch import nn

from dlkit.models.transformer import TokenEmbedding, TransformerEncoder, init_gpt_weights

__all__ = ["GPT"]


class GPT(nn.Module):
    r"""Decoder-only transformer language model: $p(x_{t+1} \mid x_{\le t})$ for every position at once.

    Args:
        vocab_size: number of tokens.
        max_len: context length (longest input; ``generate`` crops longer contexts to the last ``max_len``).
        d_model: width of the token representations.
        num_heads: attention heads (must divide ``d_model``).
        num_layers: transformer blocks.
        d_ff: hidden width of each block's feed-forward network (default ``4 * d_model``).
        dropout: dropout on embeddings, attention weights, inside the feed-forward networks and on sub-layer outputs.

    Example:
        >>> import torch
        >>> from dlkit.models.gpt import GPT
        >>> net = GPT(vocab_size=20, max_len=16, d_model=32, num_heads=4, num_layers=2)
        >>> net(torch.randint(0, 20, (3, 10))).shape  # next-token logits for every position
        torch.Size([3, 10, 20])
        >>> net.generate(torch.zeros(1, 1, dtype=torch.long), max_new_tokens=5, top_k=3).shape
        torch.Size([1, 6])
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
    ) -> None:
        super().__init__()
        self.vocab_size, self.max_len = vocab_size, max_len
        self.embed = TokenEmbedding(vocab_size=vocab_size, max_len=max_len, d_model=d_model, dropout=dropout)
        self.transformer = TransformerEncoder(
            d_model=d_model, num_heads=num_heads, num_layers=num_layers, d_ff=d_ff, dropout=dropout, causal=True
        )
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.embed.token_embed.weight  # weight tying: the same matrix embeds and un-embeds tokens
        self.apply(init_gpt_weights)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids ``(B, T)`` with ``T <= max_len`` -> next-token logits ``(B, T, vocab_size)``."""
        return self.head(self.transformer(self.embed(ids)))  # (B, T) -> (B, T, d) -> (B, T, V)

    @torch.no_grad()
    def generate(
        self,
        ids: torch.Tensor,
        *,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        r"""Append ``max_new_tokens`` sampled tokens to the prompt ``ids`` ``(B, T)``; returns ``(B, T + max_new_tokens)``.

        Each step samples from $\operatorname{softmax}(z / \tau)$ over the ``top_k`` largest logits $z$:
        a temperature $\tau < 1$ sharpens the distribution (more predictable text), $\tau > 1$ flattens
        it; ``top_k`` forbids all but the ``k`` most likely tokens. Call ``eval()`` first to switch dropout off.

        Args:
            ids: the prompt, at least one token per row.
            max_new_tokens: tokens to generate.
            temperature: positive softmax temperature.
            top_k: keep only the ``k`` most likely tokens (``None``: all).
            generator: a ``torch.Generator`` on the model's device, for reproducible samples.
        """
        if temperature <= 0:
            raise ValueError(f"Expected a positive temperature, but got {temperature}")
        if top_k is not None and not 1 <= top_k <= self.vocab_size:
            raise ValueError(f"Expected top_k in 1..{self.vocab_size}, but got {top_k}")
        if ids.ndim != 2 or ids.shape[1] < 1:
            raise ValueError(f"Expected a prompt of shape (B, T) with T >= 1, but got shape {tuple(ids.shape)}")
        for _ in range(max_new_tokens):
            context = ids[:, -self.max_len :]  # (B, <= max_len): the model sees at most max_len tokens
            logits = self(context)[:, -1] / temperature  # (B, V): the last position predicts the next token
            if top_k is not None:
                kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]  # (B, 1): the k-th largest logit
                logits = logits.masked_fill(logits < kth, float("-inf"))
            next_id = torch.multinomial(logits.softmax(dim=-1), num_samples=1, generator=generator)  # (B, 1)
            ids = torch.cat([ids, next_id], dim=1)
        return ids
