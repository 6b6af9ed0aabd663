r"""The transformer: positional encodings, the encoder and decoder blocks, and the encoder-decoder for seq2seq.

Read top to bottom: positional encoding, the two blocks, the stack of encoder blocks and the token embedding that
GPT, BERT and ViT share, then the encoder-decoder network and its greedy decoding. ``TransformerEncoderBlock`` is
dlkit's one transformer block: GPT (with ``causal=True``), BERT, ViT and the seq2seq encoder all use it. The blocks
are *pre-norm* (LayerNorm before each sub-layer, as in GPT-2, ViT and most modern transformers; they train stably
without a learning-rate warm-up) and their feed-forward networks use GELU, as GPT, BERT and ViT do. Inputs are
batch first, ``(B, T, d_model)``; token ids ``(B, T)``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlkit.models.attention import MultiHeadAttention, causal_mask

__all__ = [
    "sinusoidal_positional_encoding",
    "PositionalEncoding",
    "TransformerEncoderBlock",
    "TransformerDecoderBlock",
    "TransformerEncoder",
    "TokenEmbedding",
    "Seq2SeqTransformer",
    "check_token_ids",
    "init_gpt_weights",
]


# ---------------------------------------------------------------------------------- positional encoding
def sinusoidal_positional_encoding(max_len: int, d_model: int) -> torch.Tensor:
    r"""The table ``(max_len, d_model)`` of Vaswani et al.:
    $PE_{p, 2i} = \sin(p / 10000^{2i/d})$, $PE_{p, 2i+1} = \cos(p / 10000^{2i/d})$.

    Each pair of columns is a sine/cosine at one frequency, from one turn per $2\pi$ positions down to one
    per $2\pi \cdot 10000$, so every position gets a distinct code and nearby positions similar codes.

    Example:
        >>> from dlkit.models.transformer import sinusoidal_positional_encoding
        >>> pe = sinusoidal_positional_encoding(50, 16)
        >>> pe.shape, pe[0, :4].tolist()
        (torch.Size([50, 16]), [0.0, 1.0, 0.0, 1.0])
    """
    if max_len < 1 or d_model < 2 or d_model % 2 != 0:
        raise ValueError(f"Expected max_len >= 1 and an even d_model >= 2, but got max_len={max_len}, d_model={d_model}")
    position = torch.arange(max_len, dtype=torch.float32)[:, None]  # (T, 1)
    frequency = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))  # (d/2,)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(position * frequency)  # (T, 1) * (d/2,) -> (T, d/2)
    pe[:, 1::2] = torch.cos(position * frequency)
    return pe


class PositionalEncoding(nn.Module):
    """Add the sinusoidal positional encoding to embeddings ``(B, T, d_model)``, then dropout.

    Example:
        >>> import torch
        >>> from dlkit.models.transformer import PositionalEncoding
        >>> PositionalEncoding(d_model=8, max_len=10)(torch.zeros(2, 4, 8)).shape
        torch.Size([2, 4, 8])
    """

    def __init__(self, *, d_model: int, max_len: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model), persistent=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[-1] != self.pe.shape[1]:
            raise ValueError(f"Expected embeddings of shape (B, T, {self.pe.shape[1]}), but got {tuple(x.shape)}")
        if x.shape[1] > self.pe.shape[0]:
            raise ValueError(f"Expected sequences of at most max_len={self.pe.shape[0]} positions, but got {x.shape[1]}")
        return self.dropout(x + self.pe[: x.shape[1]])  # (B, T, d) + (T, d)


def check_token_ids(ids: torch.Tensor, *, vocab_size: int, max_len: int, name: str = "token ids") -> None:
    """Raise a clear error unless ``ids`` is an integer tensor ``(B, T)`` with ``T <= max_len`` and ids in range.

    Example:
        >>> import torch
        >>> from dlkit.models.transformer import check_token_ids
        >>> check_token_ids(torch.tensor([[1, 7]]), vocab_size=8, max_len=4)
        >>> check_token_ids(torch.tensor([[1, 8]]), vocab_size=8, max_len=4)
        Traceback (most recent call last):
        ...
        ValueError: Expected token ids in 0..7 (vocab_size=8), but got ids from 1 to 8
    """
    if ids.ndim != 2:
        raise ValueError(f"Expected {name} of shape (B, T), but got shape {tuple(ids.shape)}")
    if ids.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"Expected integer {name} (torch.long), but got dtype {ids.dtype}")
    if ids.shape[1] > max_len:
        raise ValueError(f"Expected sequences of at most max_len={max_len} tokens, but got {ids.shape[1]}")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
        raise ValueError(
            f"Expected {name} in 0..{vocab_size - 1} (vocab_size={vocab_size}), "
            f"but got ids from {int(ids.min())} to {int(ids.max())}"
        )


def init_gpt_weights(module: nn.Module) -> None:
    """GPT-2's initialisation, for ``model.apply(init_gpt_weights)``: linear and embedding weights from
    $N(0, 0.02^2)$, zero biases. Small embeddings keep the first logits of a tied output layer near zero, so
    an untrained language model starts close to uniform (perplexity ~ vocabulary size).

    Example:
        >>> from torch import nn
        >>> from dlkit.models.transformer import init_gpt_weights
        >>> layer = nn.Embedding(1000, 64)
        >>> layer.apply(init_gpt_weights)
        Embedding(1000, 64)
        >>> round(layer.weight.std().item(), 2)
        0.02
    """
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


# ----------------------------------------------------------------------------------------------- blocks
class _FeedForward(nn.Module):
    r"""Position-wise feed-forward network ``Linear -> GELU -> Dropout -> Linear``, applied to every position alike.

    GELU, $z\,\Phi(z)$, is the activation of GPT, BERT and ViT (the 2017 transformer used ReLU).
    """

    def __init__(self, d_model: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.linear1 = nn.Linear(d_model, d_ff)
        self.activation = nn.GELU()
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(d_ff, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear2(self.dropout(self.activation(self.linear1(x))))  # (B, T, d) -> (B, T, d_ff) -> (B, T, d)


def _check_block_args(d_model: int, num_heads: int, d_ff: int | None, dropout: float) -> int:
    """Check a block's sizes; return ``d_ff`` (default ``4 * d_model``, as in GPT, BERT and ViT)."""
    if d_model < 1 or num_heads < 1 or d_model % num_heads != 0:
        raise ValueError(f"Expected d_model divisible by num_heads, but got d_model={d_model} and num_heads={num_heads}")
    d_ff = 4 * d_model if d_ff is None else d_ff
    if d_ff < 1:
        raise ValueError(f"Expected a positive d_ff, but got {d_ff}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"Expected dropout in [0, 1), but got {dropout}")
    return d_ff


def _check_torch_layer(layer: nn.Module, expected: type[nn.Module], eps: float) -> None:
    """Raise unless ``layer`` computes what dlkit's block computes: pre-norm, GELU, batch first, same epsilon."""
    if not isinstance(layer, expected):
        raise TypeError(f"Expected an nn.{expected.__name__}, but got {type(layer).__name__}")
    gelu = layer.activation is nn.functional.gelu or (
        isinstance(layer.activation, nn.GELU) and layer.activation.approximate == "none"
    )
    if not (layer.norm_first and layer.self_attn.batch_first and gelu and layer.norm1.eps == eps):
        raise ValueError(
            f"Expected nn.{expected.__name__}(norm_first=True, activation='gelu', batch_first=True) with "
            f"layer_norm_eps={eps}, but got norm_first={layer.norm_first}, activation={layer.activation}, "
            f"batch_first={layer.self_attn.batch_first}, layer_norm_eps={layer.norm1.eps}"
        )


class TransformerEncoderBlock(nn.Module):
    r"""Pre-norm encoder block: $x \leftarrow x + \operatorname{MHA}(\operatorname{LN}(x))$, then
    $x \leftarrow x + \operatorname{FFN}(\operatorname{LN}(x))$, with a GELU feed-forward.

    The one block of dlkit's GPT, BERT and ViT. With ``causal=True`` position $t$ attends to positions
    $\le t$ only: a GPT block. Given the same weights it computes what
    ``nn.TransformerEncoderLayer(norm_first=True, activation="gelu", batch_first=True)`` computes
    (``load_from_torch``).

    Args:
        d_model: width of the token representations.
        num_heads: attention heads (must divide ``d_model``).
        d_ff: hidden width of the feed-forward network (default ``4 * d_model``).
        dropout: dropout on attention weights, inside the feed-forward network and after each sub-layer.
        causal: mask attention to later positions (decoder-only language models).

    Example:
        >>> import torch
        >>> from dlkit.models.transformer import TransformerEncoderBlock
        >>> block = TransformerEncoderBlock(d_model=16, num_heads=2, d_ff=32)
        >>> block(torch.randn(3, 5, 16)).shape
        torch.Size([3, 5, 16])
    """

    def __init__(
        self, *, d_model: int, num_heads: int, d_ff: int | None = None, dropout: float = 0.0, causal: bool = False
    ) -> None:
        super().__init__()
        d_ff = _check_block_args(d_model, num_heads, d_ff, dropout)
        self.causal = causal
        self.norm1 = nn.LayerNorm(d_model)
        self.self_attn = MultiHeadAttention(d_model=d_model, num_heads=num_heads, dropout=dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = _FeedForward(d_model, d_ff, dropout)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        *,
        attn_mask: torch.Tensor | None = None,
        key_padding_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``x`` ``(B, T, d_model)``; masks as in ``MultiHeadAttention`` (``True`` = attend), combined with the
        causal mask when the block is causal."""
        if self.causal:
            causal = causal_mask(x.shape[1], device=x.device)  # (T, T)
            attn_mask = causal if attn_mask is None else attn_mask & causal
        h = self.norm1(x)
        x = x + self.dropout(self.self_attn(h, h, h, attn_mask=attn_mask, key_padding_mask=key_padding_mask)[0])
        return x + self.dropout(self.ff(self.norm2(x)))

    @torch.no_grad()
    def load_from_torch(self, layer: nn.TransformerEncoderLayer) -> TransformerEncoderBlock:
        """Copy the weights of a ``nn.TransformerEncoderLayer(norm_first=True, activation="gelu", batch_first=True)``."""
        _check_torch_layer(layer, nn.TransformerEncoderLayer, self.norm1.eps)
        self.self_attn.load_from_torch(layer.self_attn)
        for ours, theirs in ((self.ff.linear1, layer.linear1), (self.ff.linear2, layer.linear2),
                             (self.norm1, layer.norm1), (self.norm2, layer.norm2)):
            ours.load_state_dict(theirs.state_dict())
        return self


class TransformerDecoderBlock(nn.Module):
    r"""Pre-norm decoder block: causal self-attention, cross-attention to the encoder's output (the *memory*),
    feed-forward (GELU); each as $x \leftarrow x + \operatorname{sublayer}(\operatorname{LN}(x))$.

    Given the same weights it computes what
    ``nn.TransformerDecoderLayer(norm_first=True, activation="gelu", batch_first=True)`` computes. Arguments as in
    ``TransformerEncoderBlock``.

    Example:
        >>> import torch
        >>> from dlkit.models.attention import causal_mask
        >>> from dlkit.models.transformer import TransformerDecoderBlock
        >>> block = TransformerDecoderBlock(d_model=16, num_heads=2, d_ff=32)
        >>> block(torch.randn(3, 4, 16), torch.randn(3, 6, 16), attn_mask=causal_mask(4)).shape
        torch.Size([3, 4, 16])
    """

    def __init__(self, *, d_model: int, num_heads: int, d_ff: int | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        d_ff = _check_block_args(d_model, num_heads, d_ff, dropout)
        self.norm1 = nn.LayerNorm(d_model)
        self.self_attn = MultiHeadAttention(d_model=d_model, num_heads=num_heads, dropout=dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.cross_attn = MultiHeadAttention(d_model=d_model, num_heads=num_heads, dropout=dropout)
        self.norm3 = nn.LayerNorm(d_model)
        self.ff = _FeedForward(d_model, d_ff, dropout)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        *,
        attn_mask: torch.Tensor | None = None,
        memory_padding_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``x`` ``(B, T, d)`` targets so far, ``memory`` ``(B, S, d)``; ``attn_mask`` usually ``causal_mask(T)``,
        ``memory_padding_mask`` ``(B, S)`` ``True`` at real source tokens."""
        h = self.norm1(x)
        x = x + self.dropout(self.self_attn(h, h, h, attn_mask=attn_mask)[0])
        h = self.norm2(x)
        x = x + self.dropout(self.cross_attn(h, memory, memory, key_padding_mask=memory_padding_mask)[0])
        return x + self.dropout(self.ff(self.norm3(x)))

    @torch.no_grad()
    def load_from_torch(self, layer: nn.TransformerDecoderLayer) -> TransformerDecoderBlock:
        """Copy the weights of a ``nn.TransformerDecoderLayer(norm_first=True, activation="gelu", batch_first=True)``."""
        _check_torch_layer(layer, nn.TransformerDecoderLayer, self.norm1.eps)
        self.self_attn.load_from_torch(layer.self_attn)
        self.cross_attn.load_from_torch(layer.multihead_attn)
        for ours, theirs in ((self.ff.linear1, layer.linear1), (self.ff.linear2, layer.linear2),
                             (self.norm1, layer.norm1), (self.norm2, layer.norm2), (self.norm3, layer.norm3)):
            ours.load_state_dict(theirs.state_dict())
        return self


# ----------------------------------------------------------------------------------- stacks of blocks
class TransformerEncoder(nn.Module):
    """``num_layers`` ``TransformerEncoderBlock``s, then a LayerNorm (pre-norm blocks leave their last output
    un-normalised): the body GPT (``causal=True``), BERT, ViT and the seq2seq encoder share.

    Args:
        num_layers: blocks, at least 1.
        d_model, num_heads, d_ff, dropout, causal: as in ``TransformerEncoderBlock``.

    Example:
        >>> import torch
        >>> from dlkit.models.transformer import TransformerEncoder
        >>> encoder = TransformerEncoder(d_model=16, num_heads=2, num_layers=3)
        >>> encoder(torch.randn(2, 5, 16)).shape, len(encoder.blocks)
        (torch.Size([2, 5, 16]), 3)
    """

    def __init__(
        self,
        *,
        d_model: int,
        num_heads: int,
        num_layers: int,
        d_ff: int | None = None,
        dropout: float = 0.0,
        causal: bool = False,
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"Expected num_layers >= 1, but got {num_layers}")
        block = {"d_model": d_model, "num_heads": num_heads, "d_ff": d_ff, "dropout": dropout, "causal": causal}
        self.blocks = nn.ModuleList([TransformerEncoderBlock(**block) for _ in range(num_layers)])
        self.norm = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, *, key_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` ``(B, T, d_model)`` -> ``(B, T, d_model)``; ``key_padding_mask`` ``(B, T)``, ``True`` at real tokens."""
        for block in self.blocks:
            x = block(x, key_padding_mask=key_padding_mask)
        return self.norm(x)


class TokenEmbedding(nn.Module):
    """Token ids ``(B, T)`` -> token embedding + learned position embedding, then dropout: ``(B, T, d_model)``.

    GPT-2, BERT and (with patches for tokens) ViT learn one vector per position instead of the sinusoidal code.
    The ids are checked (``check_token_ids``).

    Example:
        >>> import torch
        >>> from dlkit.models.transformer import TokenEmbedding
        >>> TokenEmbedding(vocab_size=10, max_len=6, d_model=8)(torch.randint(0, 10, (2, 6))).shape
        torch.Size([2, 6, 8])
    """

    def __init__(self, *, vocab_size: int, max_len: int, d_model: int, dropout: float = 0.0) -> None:
        super().__init__()
        if vocab_size < 2 or max_len < 1:
            raise ValueError(f"Expected vocab_size >= 2 and max_len >= 1, but got {vocab_size} and {max_len}")
        self.vocab_size, self.max_len = vocab_size, max_len
        self.token_embed = nn.Embedding(vocab_size, d_model)
        self.position_embed = nn.Embedding(max_len, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        check_token_ids(ids, vocab_size=self.vocab_size, max_len=self.max_len)
        positions = torch.arange(ids.shape[1], device=ids.device)  # (T,)
        return self.dropout(self.token_embed(ids) + self.position_embed(positions))  # (B, T, d) + (T, d)


# ---------------------------------------------------------------------------------- encoder-decoder
class Seq2SeqTransformer(nn.Module):
    r"""Encoder-decoder transformer for sequence-to-sequence tasks (translation and the like).

    The encoder reads the whole source ``(B, S)``; the decoder predicts target token $t+1$ from the
    target tokens up to $t$ (causal self-attention) and the encoded source (cross-attention).
    ``forward(src, tgt_in)`` returns next-token logits ``(B, T, tgt_vocab_size)`` for teacher forcing;
    ``greedy_decode`` generates one token at a time.

    Args:
        src_vocab_size, tgt_vocab_size: vocabulary sizes of source and target.
        d_model, num_heads, d_ff, dropout: see ``TransformerEncoderBlock``.
        num_layers: encoder blocks, and as many decoder blocks.
        max_len: longest source or target sequence (positions of the positional encoding).
        pad_id: id of the padding token (the same in source and target); padded source positions are masked.

    Example:
        >>> import torch
        >>> from dlkit.models.transformer import Seq2SeqTransformer
        >>> net = Seq2SeqTransformer(src_vocab_size=12, tgt_vocab_size=9, d_model=16, num_heads=2, max_len=10)
        >>> src, tgt_in = torch.randint(1, 12, (3, 7)), torch.randint(1, 9, (3, 5))
        >>> net(src, tgt_in).shape
        torch.Size([3, 5, 9])
        >>> net.greedy_decode(src, bos_id=1, eos_id=2, max_new_tokens=4).shape
        torch.Size([3, 4])
    """

    def __init__(
        self,
        *,
        src_vocab_size: int,
        tgt_vocab_size: int,
        d_model: int = 64,
        num_heads: int = 4,
        num_layers: int = 2,
        d_ff: int | None = None,
        max_len: int = 64,
        dropout: float = 0.0,
        pad_id: int = 0,
    ) -> None:
        super().__init__()
        if min(src_vocab_size, tgt_vocab_size) < 2 or not 0 <= pad_id < min(src_vocab_size, tgt_vocab_size):
            raise ValueError(
                f"Expected vocabularies of >= 2 tokens containing pad_id, but got src_vocab_size={src_vocab_size}, "
                f"tgt_vocab_size={tgt_vocab_size}, pad_id={pad_id}"
            )
        self.src_vocab_size, self.tgt_vocab_size = src_vocab_size, tgt_vocab_size
        self.d_model, self.max_len, self.pad_id = d_model, max_len, pad_id
        # nn.Embedding starts at N(0, 1), the same scale as the positional encoding, so the two are simply added
        # (the paper's sqrt(d_model) factor goes with embeddings initialised at N(0, 1/d_model)).
        self.src_embed = nn.Embedding(src_vocab_size, d_model, padding_idx=pad_id)
        self.tgt_embed = nn.Embedding(tgt_vocab_size, d_model, padding_idx=pad_id)
        self.positions = PositionalEncoding(d_model=d_model, max_len=max_len, dropout=dropout)
        block = {"d_model": d_model, "num_heads": num_heads, "d_ff": d_ff, "dropout": dropout}
        self.encoder = TransformerEncoder(num_layers=num_layers, **block)  # blocks, then a final LayerNorm
        self.decoder = nn.ModuleList([TransformerDecoderBlock(**block) for _ in range(num_layers)])
        self.decoder_norm = nn.LayerNorm(d_model)  # pre-norm blocks leave the last output un-normalised
        self.head = nn.Linear(d_model, tgt_vocab_size)

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Source ids ``(B, S)`` -> ``(memory (B, S, d_model), source padding mask (B, S))``."""
        check_token_ids(src, vocab_size=self.src_vocab_size, max_len=self.max_len, name="source token ids")
        src_mask = src != self.pad_id  # (B, S), True at real tokens
        x = self.positions(self.src_embed(src))  # (B, S, d)
        return self.encoder(x, key_padding_mask=src_mask), src_mask

    def decode(self, tgt: torch.Tensor, memory: torch.Tensor, src_mask: torch.Tensor) -> torch.Tensor:
        """Target ids so far ``(B, T)`` -> next-token logits ``(B, T, tgt_vocab_size)``."""
        check_token_ids(tgt, vocab_size=self.tgt_vocab_size, max_len=self.max_len, name="target token ids")
        if tgt.shape[0] != memory.shape[0]:
            raise ValueError(f"Expected as many targets as sources, but got {tgt.shape[0]} and {memory.shape[0]}")
        y = self.positions(self.tgt_embed(tgt))  # (B, T, d)
        mask = causal_mask(tgt.shape[1], device=tgt.device)  # (T, T)
        for block in self.decoder:
            y = block(y, memory, attn_mask=mask, memory_padding_mask=src_mask)
        return self.head(self.decoder_norm(y))  # (B, T, d) -> (B, T, V_tgt)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        memory, src_mask = self.encode(src)
        return self.decode(tgt_in, memory, src_mask)

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, *, bos_id: int, eos_id: int, max_new_tokens: int) -> torch.Tensor:
        """Generate targets by always picking the most likely next token, starting from ``bos_id``.

        Returns ids ``(B, max_new_tokens)`` without the leading ``bos_id``; after a sequence's ``eos_id`` the
        rest of its row is ``pad_id``.
        """
        if max_new_tokens < 1 or max_new_tokens + 1 > self.max_len:
            raise ValueError(f"Expected max_new_tokens in 1..{self.max_len - 1}, but got {max_new_tokens}")
        memory, src_mask = self.encode(src)
        out = torch.full((src.shape[0], 1), bos_id, dtype=torch.long, device=src.device)  # (B, 1)
        done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        for _ in range(max_new_tokens):
            next_id = self.decode(out, memory, src_mask)[:, -1].argmax(dim=-1)  # (B, T, V) -> (B,)
            next_id = next_id.masked_fill(done, self.pad_id)
            out = torch.cat([out, next_id[:, None]], dim=1)  # (B, T + 1)
            done |= next_id == eos_id
            if bool(done.all()):
                break
        out = out[:, 1:]
        if out.shape[1] < max_new_tokens:  # every sequence ended early: pad to a fixed width
            out = nn.functional.pad(out, (0, max_new_tokens - out.shape[1]), value=self.pad_id)
        return out
