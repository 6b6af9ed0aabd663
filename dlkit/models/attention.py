r"""Attention: dot-product, scaled dot-product and additive scores; padding and causal masks; multi-head attention.

Read top to bottom: the masks, the functional attention, additive attention, then multi-head attention.

Every attention mechanism computes weights from queries and keys and returns a weighted average of the values:

$$
\operatorname{Attention}(Q, K, V) = \operatorname{softmax}(\operatorname{score}(Q, K))\, V
$$

Masks are boolean and say where a query **may** look (``True`` = attend), the convention of
``torch.nn.functional.scaled_dot_product_attention``. ``nn.MultiheadAttention`` uses the opposite convention
(``True`` = ignore): pass ``~mask`` there.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = [
    "padding_mask",
    "causal_mask",
    "dot_product_attention",
    "scaled_dot_product_attention",
    "AdditiveAttention",
    "MultiHeadAttention",
]


# --------------------------------------------------------------------------------------------------- masks
def padding_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """Boolean mask ``(B, max_len)``: ``True`` at the real tokens of each sequence, ``False`` at its padding.

    Args:
        lengths: ``(B,)`` number of real tokens per sequence (each in ``1..max_len``).
        max_len: padded length ``T``.

    Example:
        >>> import torch
        >>> from dlkit.models.attention import padding_mask
        >>> padding_mask(torch.tensor([3, 1]), max_len=4).int()
        tensor([[1, 1, 1, 0],
                [1, 0, 0, 0]], dtype=torch.int32)
    """
    if lengths.ndim != 1:
        raise ValueError(f"Expected lengths of shape (B,), but got shape {tuple(lengths.shape)}")
    if len(lengths) and (int(lengths.min()) < 1 or int(lengths.max()) > max_len):
        raise ValueError(
            f"Expected every length in 1..{max_len}, but got lengths from {int(lengths.min())} to {int(lengths.max())}"
        )
    positions = torch.arange(max_len, device=lengths.device)  # (T,)
    return positions[None, :] < lengths[:, None]  # (B, T)


def causal_mask(size: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Boolean mask ``(T, T)``: position ``i`` may attend to positions ``j <= i`` only (no peeking ahead).

    Example:
        >>> from dlkit.models.attention import causal_mask
        >>> causal_mask(3).int()
        tensor([[1, 0, 0],
                [1, 1, 0],
                [1, 1, 1]], dtype=torch.int32)
    """
    if size < 1:
        raise ValueError(f"Expected a positive size, but got {size}")
    return torch.ones(size, size, dtype=torch.bool, device=device).tril()  # (T, T), lower triangle


def _check_qkv(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.ndim < 2:
            raise ValueError(f"Expected {name} of shape (..., T, d) with rank >= 2, but got shape {tuple(t.shape)}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"Expected query and key with the same last dimension, but got {query.shape[-1]} and {key.shape[-1]}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"Expected as many values as keys, but got {value.shape[-2]} values and {key.shape[-2]} keys"
        )


def _check_mask(mask: torch.Tensor, scores_shape: torch.Size) -> None:
    if mask.dtype != torch.bool:
        raise TypeError(f"Expected a boolean mask (True = attend), but got dtype {mask.dtype}")
    try:
        broadcast = torch.broadcast_shapes(mask.shape, scores_shape)
    except RuntimeError:
        broadcast = None
    if broadcast != scores_shape:
        raise ValueError(
            f"Expected a mask broadcastable to the attention scores {tuple(scores_shape)} (..., T_q, T_k), "
            f"but got shape {tuple(mask.shape)}"
        )


# --------------------------------------------------------------------------------- dot-product attention
def dot_product_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    *,
    mask: torch.Tensor | None = None,
    scale: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Dot-product attention $\operatorname{softmax}(s\, Q K^\top)\, V$, with masked scores set to $-\infty$.

    Args:
        query: ``(..., T_q, d)``.
        key: ``(..., T_k, d)``.
        value: ``(..., T_k, d_v)``.
        mask: boolean, broadcastable to ``(..., T_q, T_k)``; ``True`` where a query may attend to a key.
        scale: factor $s$ on the scores (``1.0``: plain dot product).

    Returns:
        ``(output, weights)``: ``(..., T_q, d_v)`` and the attention weights ``(..., T_q, T_k)`` (rows sum to 1).

    Example:
        >>> import torch
        >>> from dlkit.models.attention import dot_product_attention
        >>> q, k, v = torch.randn(2, 5, 8), torch.randn(2, 7, 8), torch.randn(2, 7, 3)
        >>> out, weights = dot_product_attention(q, k, v)
        >>> out.shape, weights.shape
        (torch.Size([2, 5, 3]), torch.Size([2, 5, 7]))
        >>> torch.allclose(weights.sum(dim=-1), torch.ones(2, 5))
        True
    """
    _check_qkv(query, key, value)
    scores = scale * query @ key.transpose(-2, -1)  # (..., T_q, d) @ (..., d, T_k) -> (..., T_q, T_k)
    if mask is not None:
        _check_mask(mask, scores.shape)
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)  # (..., T_q, T_k)
    return weights @ value, weights  # (..., T_q, d_v)


def scaled_dot_product_attention(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, *, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Scaled dot-product attention $\operatorname{softmax}\big(Q K^\top / \sqrt{d}\big)\, V$ (Vaswani et al.).

    Dividing by $\sqrt{d}$ keeps the scores' variance near 1 whatever the width ``d``, so the softmax does not
    saturate. Same arguments and returns as ``dot_product_attention``.

    Example:
        >>> import torch
        >>> import torch.nn.functional as F
        >>> from dlkit.models.attention import scaled_dot_product_attention
        >>> q, k, v = torch.randn(2, 4, 5, 8), torch.randn(2, 4, 7, 8), torch.randn(2, 4, 7, 8)
        >>> out, _ = scaled_dot_product_attention(q, k, v)
        >>> torch.allclose(out, F.scaled_dot_product_attention(q, k, v), atol=1e-6)
        True
    """
    return dot_product_attention(query, key, value, mask=mask, scale=1.0 / math.sqrt(query.shape[-1]))


# ------------------------------------------------------------------------------------ additive attention
class AdditiveAttention(nn.Module):
    r"""Additive (Bahdanau) attention: the score of query $q$ and key $k$ is a small MLP,
    $\operatorname{score}(q, k) = w^\top \tanh(W_q q + W_k k)$.

    Queries and keys may have different widths, and no scaling is needed.

    Args:
        query_dim: width of the queries.
        key_dim: width of the keys.
        hidden_dim: width of the hidden layer of the score MLP.

    Example:
        >>> import torch
        >>> from dlkit.models.attention import AdditiveAttention
        >>> attention = AdditiveAttention(query_dim=6, key_dim=8, hidden_dim=16)
        >>> out, weights = attention(torch.randn(2, 5, 6), torch.randn(2, 7, 8), torch.randn(2, 7, 3))
        >>> out.shape, weights.shape
        (torch.Size([2, 5, 3]), torch.Size([2, 5, 7]))
    """

    def __init__(self, *, query_dim: int, key_dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.query_dim, self.key_dim = query_dim, key_dim
        self.w_q = nn.Linear(query_dim, hidden_dim, bias=False)
        self.w_k = nn.Linear(key_dim, hidden_dim, bias=False)
        self.w = nn.Linear(hidden_dim, 1, bias=False)

    def scores(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        """The unnormalised scores ``(B, T_q, T_k)``."""
        hidden = self.w_q(query)[:, :, None, :] + self.w_k(key)[:, None, :, :]  # (B, T_q, 1, h) + (B, 1, T_k, h)
        return self.w(torch.tanh(hidden)).squeeze(-1)  # (B, T_q, T_k, 1) -> (B, T_q, T_k)

    def forward(
        self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, *, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(output, weights)``: ``(B, T_q, d_v)`` and ``(B, T_q, T_k)``; ``mask`` as in ``dot_product_attention``."""
        if query.ndim != 3 or key.ndim != 3 or value.ndim != 3:
            raise ValueError(
                "Expected query, key and value of shape (B, T, d), but got shapes "
                f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
            )
        if query.shape[-1] != self.query_dim or key.shape[-1] != self.key_dim:
            raise ValueError(
                f"Expected queries of width {self.query_dim} and keys of width {self.key_dim}, "
                f"but got {query.shape[-1]} and {key.shape[-1]}"
            )
        if key.shape[:2] != value.shape[:2] or query.shape[0] != key.shape[0]:
            raise ValueError(
                "Expected the same batch size everywhere and one value per key, but got shapes "
                f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
            )
        scores = self.scores(query, key)  # (B, T_q, T_k)
        if mask is not None:
            _check_mask(mask, scores.shape)
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = scores.softmax(dim=-1)
        return weights @ value, weights  # (B, T_q, T_k) @ (B, T_k, d_v) -> (B, T_q, d_v)


# ---------------------------------------------------------------------------------- multi-head attention
class MultiHeadAttention(nn.Module):
    r"""Multi-head attention, written out: project, split into heads, attend per head, merge, project.

    $$
    \operatorname{head}_i = \operatorname{Attention}(Q W^Q_i, K W^K_i, V W^V_i), \quad
    \operatorname{MultiHead}(Q, K, V) = [\operatorname{head}_1; \dots; \operatorname{head}_h]\, W^O
    $$

    Each head works in ``d_model // num_heads`` dimensions, so all heads together cost about as much as one
    full-width head. Inputs are batch first, ``(B, T, d_model)``.

    Args:
        d_model: width of the inputs and outputs.
        num_heads: number of heads; must divide ``d_model``.
        dropout: dropout on the attention weights (training only).
        bias: whether the projections have biases.

    Example:
        >>> import torch
        >>> from dlkit.models.attention import MultiHeadAttention, causal_mask
        >>> mha = MultiHeadAttention(d_model=16, num_heads=4)
        >>> x = torch.randn(2, 5, 16)
        >>> out, weights = mha(x, x, x, attn_mask=causal_mask(5))
        >>> out.shape, weights.shape  # weights per head: (B, num_heads, T_q, T_k)
        (torch.Size([2, 5, 16]), torch.Size([2, 4, 5, 5]))
    """

    def __init__(self, *, d_model: int, num_heads: int, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        if d_model < 1 or num_heads < 1 or d_model % num_heads != 0:
            raise ValueError(
                f"Expected d_model divisible by num_heads, but got d_model={d_model} and num_heads={num_heads}"
            )
        self.d_model, self.num_heads, self.head_dim = d_model, num_heads, d_model // num_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        B, T, _ = x.shape
        return x.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)  # (B, T, d) -> (B, nh, T, hd)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        *,
        attn_mask: torch.Tensor | None = None,
        key_padding_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Attend from ``query`` ``(B, T_q, d_model)`` to ``key``/``value`` ``(B, T_k, d_model)``.

        Args:
            attn_mask: boolean ``(T_q, T_k)`` or ``(B, T_q, T_k)``, ``True`` where attention is allowed
                (e.g. ``causal_mask(T)``).
            key_padding_mask: boolean ``(B, T_k)``, ``True`` at real keys, ``False`` at padding
                (e.g. ``padding_mask(lengths, T)``).

        Returns:
            ``(output, weights)``: ``(B, T_q, d_model)`` and the per-head weights ``(B, num_heads, T_q, T_k)``.
        """
        for name, t in (("query", query), ("key", key), ("value", value)):
            if t.ndim != 3 or t.shape[-1] != self.d_model:
                raise ValueError(
                    f"Expected {name} of shape (B, T, {self.d_model}), but got shape {tuple(t.shape)}"
                )
        if not query.shape[0] == key.shape[0] == value.shape[0] or key.shape[1] != value.shape[1]:
            raise ValueError(
                "Expected one batch size and as many values as keys, but got shapes "
                f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
            )
        B, T_q, T_k = query.shape[0], query.shape[1], key.shape[1]
        mask = None
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise ValueError(f"Expected attn_mask of shape (T_q, T_k) or (B, T_q, T_k), but got {tuple(attn_mask.shape)}")
            _check_mask(attn_mask, torch.Size((B, T_q, T_k)))
            mask = attn_mask if attn_mask.ndim == 2 else attn_mask[:, None]  # (T_q, T_k) or (B, 1, T_q, T_k)
        if key_padding_mask is not None:
            if key_padding_mask.dtype != torch.bool:
                raise TypeError(f"Expected a boolean key_padding_mask (True = real token), but got {key_padding_mask.dtype}")
            if tuple(key_padding_mask.shape) != (B, T_k):
                raise ValueError(
                    f"Expected key_padding_mask of shape (B, T_k) = ({B}, {T_k}), but got {tuple(key_padding_mask.shape)}"
                )
            padding = key_padding_mask[:, None, None, :]  # (B, T_k) -> (B, 1, 1, T_k)
            mask = padding if mask is None else mask & padding

        q = self._split_heads(self.q_proj(query))  # (B, nh, T_q, hd)
        k = self._split_heads(self.k_proj(key))  # (B, nh, T_k, hd)
        v = self._split_heads(self.v_proj(value))  # (B, nh, T_k, hd)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)  # (B, nh, T_q, T_k)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = scores.softmax(dim=-1)  # (B, nh, T_q, T_k)
        out = self.dropout(weights) @ v  # (B, nh, T_q, hd)
        out = out.transpose(1, 2).reshape(B, T_q, self.d_model)  # (B, nh, T_q, hd) -> (B, T_q, d_model)
        return self.out_proj(out), weights

    @torch.no_grad()
    def load_from_torch(self, torch_mha: nn.MultiheadAttention) -> MultiHeadAttention:
        """Copy the weights of a ``nn.MultiheadAttention`` (same ``embed_dim`` and heads) into this module.

        ``nn.MultiheadAttention`` stacks the three input projections in one ``in_proj_weight`` of shape
        ``(3 * d_model, d_model)``: rows ``[W^Q; W^K; W^V]``.

        Example:
            >>> import torch
            >>> from torch import nn
            >>> from dlkit.models.attention import MultiHeadAttention
            >>> reference = nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
            >>> ours = MultiHeadAttention(d_model=8, num_heads=2).load_from_torch(reference)
            >>> x = torch.randn(3, 4, 8)
            >>> torch.allclose(ours(x, x, x)[0], reference(x, x, x)[0], atol=1e-6)
            True
        """
        if torch_mha.embed_dim != self.d_model or torch_mha.num_heads != self.num_heads:
            raise ValueError(
                f"Expected nn.MultiheadAttention with embed_dim={self.d_model} and num_heads={self.num_heads}, "
                f"but got embed_dim={torch_mha.embed_dim} and num_heads={torch_mha.num_heads}"
            )
        if torch_mha.in_proj_weight is None:
            raise ValueError("Expected nn.MultiheadAttention with one packed in_proj_weight (kdim == vdim == embed_dim)")
        for proj, weight in zip((self.q_proj, self.k_proj, self.v_proj), torch_mha.in_proj_weight.chunk(3)):
            proj.weight.copy_(weight)  # each (d_model, d_model)
        if self.q_proj.bias is not None:
            for proj, bias in zip((self.q_proj, self.k_proj, self.v_proj), torch_mha.in_proj_bias.chunk(3)):
                proj.bias.copy_(bias)
            self.out_proj.bias.copy_(torch_mha.out_proj.bias)
        self.out_proj.weight.copy_(torch_mha.out_proj.weight)
        return self
