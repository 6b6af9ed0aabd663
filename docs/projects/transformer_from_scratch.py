# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   covers:
#     - topic: "a transformer from scratch"
#       section: "#a-transformer-from-scratch"
# ---

# %% [markdown]
# # A transformer from scratch
#
# This notebook writes an encoder-decoder transformer piece by piece in plain PyTorch: token embedding,
# sinusoidal positional encoding, scaled dot-product attention, multi-head attention, the encoder and decoder
# blocks, greedy decoding and the training loop. Each piece is checked equal to PyTorch's own module given the
# same weights, then the whole model learns a small translation task, from English number words to digits.
# Every cell ran in the test suite, and this page shows that run; an `assert` after a claim means the suite would
# have failed had the claim been false. The [transformer page](../../architectures/transformer/) explains the ideas; here they are
# built by hand.
#
# Download it with the button at the top of the page and run it with `jupyter lab` in an environment where
# `pip install -e ".[docs]"` installed dlkit.

# %% [markdown]
# ## 1. The problem
#
# **Input:** a number from 0 to 9,999 written in English words, e.g. `four thousand seven hundred twelve`
# (the hyphen of `forty-two` a token of its own).
# **Output:** its digits, `4712`, one token per digit: a sequence of another length in another vocabulary, so
# this is **sequence-to-sequence** learning, the shape of machine translation.
# **Success metric:** **exact-sequence accuracy** on numbers never seen in training: the share of test numbers
# whose greedy decode is exactly right, every digit and the end of sequence. A per-digit score would reward
# `4702` for `4712`; a translation that is almost right is wrong here.
#
# The data is generated: 2,000 training numbers, 500 test numbers, drawn without replacement so no test number
# occurs in training. The model must learn the rules (place values, the teens, the silent zeros of
# `three thousand five`), not remember pairs.

# %%
# %matplotlib inline
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dlkit.data.seq2seq import number_to_words

# a tiny model: one CPU thread is fastest, and repeats exactly
torch.set_num_threads(1)
torch.manual_seed(0)


def words(n):
    """English words of n as tokens, the hyphen split off: 42 -> forty - two."""
    return number_to_words(n).replace("-", " - ").split()


PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
src_vocab = [PAD, BOS, EOS] + sorted({w for n in range(10_000) for w in words(n)})
tgt_vocab = [PAD, BOS, EOS] + list("0123456789")
src_id = {token: i for i, token in enumerate(src_vocab)}
tgt_id = {token: i for i, token in enumerate(tgt_vocab)}
pad_id, bos_id, eos_id = 0, 1, 2       # the same ids in both vocabularies
src_len, tgt_len = 7, 6                # longest source; <bos> + 4 digits + <eos>


def encode(numbers):
    """Numbers -> (source ids (N, 7), target ids (N, 6)), padded with <pad>."""
    src = torch.full((len(numbers), src_len), pad_id)
    tgt = torch.full((len(numbers), tgt_len), pad_id)
    for row, n in enumerate(numbers):
        s = [src_id[w] for w in words(int(n))]
        t = [bos_id] + [tgt_id[d] for d in str(n)] + [eos_id]
        src[row, : len(s)], tgt[row, : len(t)] = torch.tensor(s), torch.tensor(t)
    return src, tgt


rng = np.random.default_rng(0)
drawn = rng.choice(10_000, size=2_500, replace=False)
train_numbers, test_numbers = drawn[:2_000], drawn[2_000:]
train_src, train_tgt = encode(train_numbers)
test_src, test_tgt = encode(test_numbers)
print(f"vocabularies: {len(src_vocab)} source tokens, {len(tgt_vocab)} target tokens")
n = int(train_numbers[0])
print(f"{n}: {' '.join(words(n))}")
print("  source ids:", train_src[0].tolist(), " target ids:", train_tgt[0].tolist())
assert not set(train_numbers) & set(test_numbers)
assert max(len(words(n)) for n in range(10_000)) == src_len

# %% [markdown]
# ## 2. The data
#
# Sources run from 1 word (`seven`) to 7 (`seven thousand seven hundred seventy - seven`); nine numbers in ten
# have four digits, so most targets are four digit tokens. The smallest numbers are rare: numbers below 100
# are 1% of the range.

# %%
src_lengths = (train_src != pad_id).sum(dim=1)
tgt_lengths = (train_tgt != pad_id).sum(dim=1) - 2   # digits, without <bos>/<eos>
fig, (ax_src, ax_tgt) = plt.subplots(1, 2, figsize=(8, 2.8))
ax_src.bar(*np.unique(src_lengths.numpy(), return_counts=True))
ax_src.set(xlabel="words in the source", ylabel="training numbers")
ax_tgt.bar(*np.unique(tgt_lengths.numpy(), return_counts=True), color="tab:orange")
ax_tgt.set(xlabel="digits in the target", ylabel="training numbers",
           xticks=[1, 2, 3, 4])
plt.tight_layout()
plt.show()
small = int((train_numbers < 100).sum())
print(f"training numbers below 100: {small} of {len(train_numbers)}")
assert small < 0.02 * len(train_numbers) and (tgt_lengths == 4).float().mean() > 0.85

# %% [markdown]
# ## 3. The pieces, each checked against PyTorch
#
# Comparisons use `torch.testing.assert_close`, whose default tolerances depend on the dtype (for float32 a
# relative 1.3e-6 and absolute 1e-5; for float64 1e-7 and 1e-7): two correct float computations in a different
# order differ in the last bits, and float64 shows the differences are rounding, not a different formula.
#
# ### Token embedding
#
# An embedding is a table with one learned row per token; looking up ids is indexing the table.

# %%
class Embedding(nn.Module):
    """Token ids (B, T) -> vectors (B, T, d_model): row `id` of a learned table."""

    def __init__(self, vocab_size, d_model):
        super().__init__()
        # N(0, 1), as nn.Embedding starts
        self.weight = nn.Parameter(torch.randn(vocab_size, d_model))

    def forward(self, ids):
        return self.weight[ids]  # (B, T) -> (B, T, d_model)


embedding = Embedding(len(src_vocab), 16)
reference = nn.Embedding(len(src_vocab), 16)
reference.weight.data.copy_(embedding.weight.data)
torch.testing.assert_close(embedding(train_src[:8]), reference(train_src[:8]))
print("Embedding == nn.Embedding:", tuple(embedding(train_src[:8]).shape))

# %% [markdown]
# ### Sinusoidal positional encoding
#
# Attention treats its inputs as a set, so the position of each token is added to its embedding:
#
# $$PE_{p,\,2i} = \sin\!\big(p / 10000^{2i/d}\big), \qquad PE_{p,\,2i+1} = \cos\!\big(p / 10000^{2i/d}\big).$$
#
# PyTorch has no module for it; the check is against the formula's properties and dlkit's version
# ([`sinusoidal_positional_encoding`](../../reference/dlkit/models/transformer/#dlkit.models.transformer.sinusoidal_positional_encoding)).

# %%
from dlkit.models.transformer import sinusoidal_positional_encoding


def positional_encoding(max_len, d_model):
    """The (max_len, d_model) table: sine and cosine pairs, frequencies falling
    geometrically."""
    position = torch.arange(max_len, dtype=torch.float64)[:, None]      # (T, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)            # (d/2,)
    angle = position / 10_000 ** (two_i / d_model)                      # (T, d/2)
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(angle), torch.cos(angle)
    return pe.float()


pe = positional_encoding(50, 32)
torch.testing.assert_close(pe, sinusoidal_positional_encoding(50, 32))
similarity = pe @ pe.T                                  # (50, 50)
# the similarity of two positions depends only on their distance
torch.testing.assert_close(torch.diagonal(similarity, 3),
                           similarity[0, 3].expand(47), rtol=1e-5, atol=1e-4)
fig, ax = plt.subplots(figsize=(7, 2.6))
image = ax.imshow(pe.T.numpy(), cmap="RdBu", aspect="auto")
ax.set(xlabel="position p", ylabel="dimension", title="positional encoding")
fig.colorbar(image, ax=ax)
plt.show()

# %% [markdown]
# ### Scaled dot-product attention
#
# Each query scores every key, the scores are scaled by $1/\sqrt{d_k}$ so their variance does not grow with the
# width, a softmax turns them into weights, and the output is the weighted average of the values:
#
# $$\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\Big(\frac{QK^\top}{\sqrt{d_k}}\Big)\, V.$$
#
# A boolean mask says where a query may look (`True` = attend, the convention of
# `F.scaled_dot_product_attention`); masked scores become $-\infty$, weight 0.

# %%
def attention(query, key, value, mask=None):
    """(..., T_q, d), (..., T_k, d), (..., T_k, d_v) -> (output (..., T_q, d_v),
    weights (..., T_q, T_k))."""
    # (..., T_q, d) @ (..., d, T_k) -> (..., T_q, T_k)
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)       # each row sums to 1
    return weights @ value, weights


def causal_mask(size):
    """(T, T) boolean: position i may look at positions j <= i only."""
    return torch.ones(size, size, dtype=torch.bool).tril()


for dtype in (torch.float32, torch.float64):
    # (B, heads, T, d)
    q, k, v = (torch.randn(2, 4, 6, 8, dtype=dtype) for _ in range(3))
    for mask in (None, causal_mask(6)):
        ours, _ = attention(q, k, v, mask)
        torch.testing.assert_close(ours, F.scaled_dot_product_attention(q, k, v, mask))
print("attention == F.scaled_dot_product_attention, float32 and float64, with and "
      "without a causal mask")

# %% [markdown]
# ### Multi-head attention
#
# Several heads attend in parallel, each in its own learned projection of width `d_model / num_heads`; their
# outputs are concatenated and projected back:
# $\operatorname{MultiHead}(Q, K, V) = [\operatorname{head}_1; \dots; \operatorname{head}_h]\, W^O$ with
# $\operatorname{head}_i = \operatorname{Attention}(Q W^Q_i, K W^K_i, V W^V_i)$.

# %%
class MultiHeadAttention(nn.Module):
    """Project, split into heads, attend per head, merge the heads, project."""

    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads, self.head_dim = num_heads, d_model // num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def split(self, x):
        batch, length, _ = x.shape    # (B, T, d) -> (B, heads, T, head_dim)
        return x.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, query, key, value, mask=None):
        """mask: broadcastable to (B, heads, T_q, T_k), True = attend."""
        q = self.split(self.q_proj(query))
        k, v = self.split(self.k_proj(key)), self.split(self.v_proj(value))
        out, weights = attention(q, k, v, mask)                 # (B, heads, T_q, hd)
        batch, length = query.shape[:2]
        out = out.transpose(1, 2).reshape(batch, length, -1)    # (B, T_q, d)
        return self.out_proj(out), weights


def copy_attention(ours, theirs):
    """Weights of an nn.MultiheadAttention into ours: its in_proj stacks W^Q, W^K,
    W^V."""
    with torch.no_grad():
        projections = (ours.q_proj, ours.k_proj, ours.v_proj)
        weights = theirs.in_proj_weight.chunk(3)
        biases = theirs.in_proj_bias.chunk(3)
        for projection, weight, bias in zip(projections, weights, biases):
            projection.weight.copy_(weight)
            projection.bias.copy_(bias)
        ours.out_proj.load_state_dict(theirs.out_proj.state_dict())
    return ours


d_model, num_heads = 32, 4
torch_mha = nn.MultiheadAttention(d_model, num_heads, batch_first=True)
mha = copy_attention(MultiHeadAttention(d_model, num_heads), torch_mha)
x, memory = torch.randn(3, 5, d_model), torch.randn(3, 7, d_model)
real = torch.tensor([7, 4, 2])[:, None] > torch.arange(7)   # (3, 7): keys, not padding
with torch.no_grad():
    # self-attention with a causal mask; torch's masks say True = do NOT attend
    ours, _ = mha(x, x, x, causal_mask(5))
    theirs, _ = torch_mha(x, x, x, attn_mask=~causal_mask(5))
    torch.testing.assert_close(ours, theirs)
    # cross-attention to a padded memory, per-head weights compared too
    ours, our_weights = mha(x, memory, memory, real[:, None, None, :])
    theirs, their_weights = torch_mha(x, memory, memory, key_padding_mask=~real,
                                      average_attn_weights=False)
    torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(our_weights, their_weights)
print("MultiHeadAttention == nn.MultiheadAttention (causal; padded memory)")
assert our_weights[2, :, :, 2:].abs().max() == 0   # padding gets no attention

# %% [markdown]
# ### Encoder and decoder blocks
#
# An **encoder block** is self-attention and a position-wise feed-forward network
# $W_2\,\operatorname{GELU}(W_1 x + b_1) + b_2$, each inside a residual connection with a layer norm. A
# **decoder block** adds **cross-attention** from the target to the encoder's output between the two, and its
# self-attention is causal: a target position sees no later one. The blocks here normalise *before* each
# sub-layer (pre-norm, as GPT-2 and most current models: it trains without a learning-rate warm-up; the 2017
# paper normalised after the residual sum):
#
# $$x \leftarrow x + \operatorname{SelfAttention}(\operatorname{LN}(x)), \qquad
# x \leftarrow x + \operatorname{FFN}(\operatorname{LN}(x)).$$

# %%
class FeedForward(nn.Module):
    """The same two-layer network at every position:
    (B, T, d) -> (B, T, d_ff) -> (B, T, d)."""

    def __init__(self, d_model, d_ff):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(d_model, d_ff), nn.Linear(d_ff, d_model)

    def forward(self, x):
        return self.linear2(F.gelu(self.linear1(x)))


class EncoderBlock(nn.Module):
    def __init__(self, d_model, num_heads, d_ff):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.self_attn = MultiHeadAttention(d_model, num_heads)
        self.ff = FeedForward(d_model, d_ff)

    def forward(self, x, mask=None):
        h = self.norm1(x)
        x = x + self.self_attn(h, h, h, mask)[0]
        return x + self.ff(self.norm2(x))


class DecoderBlock(nn.Module):
    def __init__(self, d_model, num_heads, d_ff):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)
        self.self_attn = MultiHeadAttention(d_model, num_heads)
        self.cross_attn = MultiHeadAttention(d_model, num_heads)
        self.ff = FeedForward(d_model, d_ff)

    def forward(self, x, memory, memory_mask=None):
        h = self.norm1(x)
        x = x + self.self_attn(h, h, h, causal_mask(x.shape[1]))[0]
        h = self.norm2(x)
        x = x + self.cross_attn(h, memory, memory, memory_mask)[0]
        return x + self.ff(self.norm3(x))


# %% [markdown]
# PyTorch's `nn.TransformerEncoderLayer` and `nn.TransformerDecoderLayer` with `norm_first=True` and
# `activation="gelu"` are these blocks. Copy their weights into ours, run both on a padded batch:

# %%
def copy_block(ours, theirs):
    """An nn.Transformer{Encoder,Decoder}Layer's weights into our block."""
    copy_attention(ours.self_attn, theirs.self_attn)
    if isinstance(ours, DecoderBlock):
        copy_attention(ours.cross_attn, theirs.multihead_attn)
        ours.norm3.load_state_dict(theirs.norm3.state_dict())
    for name in ("norm1", "norm2"):
        getattr(ours, name).load_state_dict(getattr(theirs, name).state_dict())
    ours.ff.linear1.load_state_dict(theirs.linear1.state_dict())
    ours.ff.linear2.load_state_dict(theirs.linear2.state_dict())
    return ours


d_ff = 64
options = {"dropout": 0.0, "activation": "gelu", "batch_first": True,
           "norm_first": True}
torch_encoder = nn.TransformerEncoderLayer(d_model, num_heads, d_ff, **options).eval()
torch_decoder = nn.TransformerDecoderLayer(d_model, num_heads, d_ff, **options).eval()
encoder_block = copy_block(EncoderBlock(d_model, num_heads, d_ff), torch_encoder)
decoder_block = copy_block(DecoderBlock(d_model, num_heads, d_ff), torch_decoder)
source, target = torch.randn(3, 7, d_model), torch.randn(3, 5, d_model)
with torch.no_grad():
    ours = encoder_block(source, real[:, None, None, :])
    theirs = torch_encoder(source, src_key_padding_mask=~real)
    # padded positions are never read: compare the real ones
    for row, length in enumerate((7, 4, 2)):
        torch.testing.assert_close(ours[row, :length], theirs[row, :length])
    ours = decoder_block(target, source, real[:, None, None, :])
    theirs = torch_decoder(target, source, tgt_mask=~causal_mask(5),
                           memory_key_padding_mask=~real)
    torch.testing.assert_close(ours, theirs)
print("EncoderBlock == nn.TransformerEncoderLayer, "
      "DecoderBlock == nn.TransformerDecoderLayer")

# %% [markdown]
# ### The encoder-decoder, and greedy decoding
#
# The encoder embeds the source, adds positions and runs its blocks once; the decoder does the same for the target
# so far and attends to the encoder's output; a linear layer turns each decoder position into next-token logits.
# **Greedy decoding** starts from `<bos>` and appends the most likely next token until every sequence has
# produced `<eos>`.

# %%
class Encoder(nn.Module):
    def __init__(self, d_model, num_heads, d_ff, num_layers):
        super().__init__()
        self.blocks = nn.ModuleList(
            [EncoderBlock(d_model, num_heads, d_ff) for _ in range(num_layers)]
        )
        # pre-norm blocks leave the output unnormalised
        self.norm = nn.LayerNorm(d_model)

    def forward(self, x, mask):
        for block in self.blocks:
            x = block(x, mask)
        return self.norm(x)


class Transformer(nn.Module):
    def __init__(self, *, src_vocab_size, tgt_vocab_size, d_model, num_heads, d_ff,
                 num_layers, max_len):
        super().__init__()
        self.src_embed = Embedding(src_vocab_size, d_model)
        self.tgt_embed = Embedding(tgt_vocab_size, d_model)
        pe = positional_encoding(max_len, d_model)
        self.register_buffer("pe", pe, persistent=False)   # not learned
        self.encoder = Encoder(d_model, num_heads, d_ff, num_layers)
        self.decoder = nn.ModuleList(
            [DecoderBlock(d_model, num_heads, d_ff) for _ in range(num_layers)]
        )
        self.decoder_norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, tgt_vocab_size)

    def encode(self, src):
        """(B, S) ids -> memory (B, S, d), and the mask of real source tokens."""
        mask = (src != pad_id)[:, None, None, :]          # (B, 1, 1, S)
        x = self.src_embed(src) + self.pe[: src.shape[1]]
        return self.encoder(x, mask), mask

    def decode(self, tgt, memory, mask):
        """(B, T) target ids so far -> next-token logits (B, T, V_tgt)."""
        y = self.tgt_embed(tgt) + self.pe[: tgt.shape[1]]
        for block in self.decoder:
            y = block(y, memory, mask)
        return self.head(self.decoder_norm(y))

    def forward(self, src, tgt_in):
        return self.decode(tgt_in, *self.encode(src))

    @torch.no_grad()
    def greedy_decode(self, src, max_new_tokens):
        memory, mask = self.encode(src)
        out = torch.full((len(src), 1), bos_id)
        done = torch.zeros(len(src), dtype=torch.bool)
        for _ in range(max_new_tokens):
            next_id = self.decode(out, memory, mask)[:, -1].argmax(dim=-1)  # (B,)
            next_id = next_id.masked_fill(done, pad_id)   # finished rows: padding
            out = torch.cat([out, next_id[:, None]], dim=1)
            done |= next_id == eos_id
            if done.all():
                break
        return out[:, 1:]   # without <bos>


# %% [markdown]
# ## 4. Training: teacher forcing
#
# With **teacher forcing** the decoder reads the true target shifted right (`<bos> 4 7 1 2`) and learns to
# predict it unshifted (`4 7 1 2 <eos>`) at every position in one pass; the causal mask keeps each position from
# seeing the token it must predict. The loss is the cross-entropy of the next token, padding ignored. Adam
# starts at its full learning rate, no warm-up (the pre-norm blocks allow it), and the rate decays to zero along
# a cosine: at a constant rate, a late jump of the loss can undo an epoch of progress. The model is small, and
# one CPU thread trains it fastest.

# %%
def make_model(seed):
    torch.manual_seed(seed)
    return Transformer(src_vocab_size=len(src_vocab), tgt_vocab_size=len(tgt_vocab),
                       d_model=32, num_heads=4, d_ff=64, num_layers=2, max_len=8)


def exact_match(model, src, tgt):
    """Share of sequences whose greedy decode equals the target, <eos> included."""
    model.eval()
    decoded = model.greedy_decode(src, max_new_tokens=tgt_len - 1)   # (N, 5)
    return (decoded == tgt[:, 1:]).all(dim=1).float().mean().item()


def train(model, epochs=8, batch_size=50, lr=3e-3, seed=0):
    """Adam on the teacher-forced cross-entropy; returns (losses per epoch, test
    exact match after each epoch)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * math.ceil(len(train_src) / batch_size)
    # no warm-up; the rate decays to 0 along a cosine, so the last epochs settle
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    order = torch.Generator().manual_seed(seed)
    losses, matches = [], []
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for batch in torch.randperm(len(train_src), generator=order).split(batch_size):
            src, tgt = train_src[batch], train_tgt[batch]
            logits = model(src, tgt[:, :-1])             # read y_<t ...
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                   tgt[:, 1:].reshape(-1),  # ... predict y_t
                                   ignore_index=pad_id)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch)
        losses.append(total / len(train_src))
        matches.append(exact_match(model, test_src, test_tgt))
    return losses, matches


model = make_model(seed=0)
losses, matches = train(model)
print(f"parameters: {sum(p.numel() for p in model.parameters()):,}")
print("train loss per epoch:", " ".join(f"{loss:.3f}" for loss in losses))
print("test exact match per epoch:", " ".join(f"{m:.2f}" for m in matches))

# %% [markdown]
# ## 5. Evaluation
#
# The headline number: exact-sequence accuracy of greedy decodes on the 500 test numbers, which the model never
# saw, after each epoch.

# %%
accuracy = matches[-1]
print(f"test exact match: {accuracy:.3f} after {len(matches)} epochs")
assert accuracy >= 0.93
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3))
epochs = range(1, len(losses) + 1)
ax_loss.plot(epochs, losses, marker="o")
ax_loss.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="training loss")
ax_acc.plot(epochs, matches, marker="o", color="tab:orange")
ax_acc.set(xlabel="epoch", ylabel="exact match", ylim=(0, 1.02),
           title="test numbers decoded exactly")
plt.tight_layout()
plt.show()
assert matches[0] < 0.5 < matches[-1]   # learned over the epochs, not at once

# %% [markdown]
# At least 93% of the unseen numbers are decoded exactly right (when this notebook was written: 97.8-99.8% over
# seeds 0-4 of the whole notebook, each moving every seed: initial weights, batch order and which numbers are
# test numbers). After the first epoch fewer than half were right: the rules were learned over training.
#
# ### What the attention looks at
#
# The cross-attention weights of the last decoder block, averaged over its four heads, for one test number:
# where each output position looks in the source. Nobody told the model which word goes with which digit; the
# weights need not be a clean word-to-digit alignment either (two layers and four heads share the work), but the
# first digit, the thousands, reads the first word most.

# %%
example = next(int(n) for n in test_numbers if n >= 1000)   # a four-digit test number
src, tgt = encode([example])
captured = {}
last_cross = model.decoder[-1].cross_attn
hook = last_cross.register_forward_hook(
    lambda module, args, output: captured.update(weights=output[1])
)
with torch.no_grad():
    model.eval()
    model(src, tgt[:, :-1])
hook.remove()
source_words = words(example)
digits_out = list(str(example)) + [EOS]
weights = captured["weights"][0].mean(dim=0)[:, : len(source_words)]   # (T, S)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.imshow(weights.numpy(), cmap="Blues", vmin=0, vmax=1)
ax.set_xticks(range(len(source_words)), source_words, rotation=30, ha="right")
ax.set_yticks(range(len(digits_out)), [f"predict {d}" for d in digits_out])
ax.set_title(f"cross-attention, last decoder block: {example}")
plt.tight_layout()
plt.show()
print("most attended source word per output:",
      [source_words[i] for i in weights.argmax(dim=1).tolist()])
torch.testing.assert_close(weights.sum(dim=1), torch.ones(len(digits_out)))
assert int(weights[0].argmax()) == 0   # the thousands digit reads the first word

# %% [markdown]
# ## 6. Error analysis
#
# The test numbers it gets wrong, with what it wrote:

# %%
model.eval()
decoded = model.greedy_decode(test_src, max_new_tokens=tgt_len - 1)
wrong = torch.nonzero(~(decoded == test_tgt[:, 1:]).all(dim=1)).flatten()


def digits_of(ids):
    return "".join(tgt_vocab[i] for i in ids if i > eos_id)


for i in wrong[:10].tolist():
    n = int(test_numbers[i])
    print(f"{n:>5} {' '.join(words(n)):<45} -> {digits_of(decoded[i].tolist())}")
print(f"{len(wrong)} of {len(test_numbers)} test numbers wrong")
assert len(wrong) == round((1 - accuracy) * len(test_numbers))

# %% [markdown]
# Where are the mistakes? Exact match by the size of the number. Numbers below 1,000 are a tenth of the range,
# so of the training set (below 100: 1%), and the model has seen fewer examples of their rules (no `thousand`,
# the teens at the start).
# When this notebook was written they were decoded exactly 88-98% of the time over seeds 0-4, four-digit numbers
# 98.7-100%; the check asks that the short ones do no better.

# %%
correct = (decoded == test_tgt[:, 1:]).all(dim=1)
size = torch.as_tensor(test_numbers)
groups = {"0-99": size < 100, "100-999": (size >= 100) & (size < 1000),
          "1000-9999": size >= 1000}
for name, chosen in groups.items():
    if chosen.any():
        print(f"test numbers {name:>9}: {int(chosen.sum()):>3}, "
              f"exact match {correct[chosen].float().mean():.2f}")
short_acc = correct[size < 1000].float().mean().item()
long_acc = correct[size >= 1000].float().mean().item()
print(f"below 1000: {short_acc:.3f}; four digits: {long_acc:.3f}")
assert short_acc <= long_acc

# %% [markdown]
# ## 7. The same model in dlkit
#
# dlkit's [`Seq2SeqTransformer`](../../reference/dlkit/models/transformer/#dlkit.models.transformer.Seq2SeqTransformer)
# is this model (its modules have the same names), with input checks and a Lightning task around it
# ([`Seq2SeqTask`](../../reference/dlkit/tasks/seq2seq/#dlkit.tasks.seq2seq.Seq2SeqTask)). Our trained weights
# load into it with `strict=True`, which fails on any missing or unexpected parameter, and it computes the same
# logits and the same greedy decodes:

# %%
from dlkit.models.transformer import Seq2SeqTransformer

dlkit_model = Seq2SeqTransformer(src_vocab_size=len(src_vocab),
                                 tgt_vocab_size=len(tgt_vocab), d_model=32,
                                 num_heads=4, d_ff=64, num_layers=2, max_len=8)
dlkit_model.load_state_dict(model.state_dict(), strict=True)
dlkit_model.eval()
with torch.no_grad():
    torch.testing.assert_close(dlkit_model(test_src, test_tgt[:, :-1]),
                               model(test_src, test_tgt[:, :-1]))
dlkit_decoded = dlkit_model.greedy_decode(test_src, bos_id=bos_id, eos_id=eos_id,
                                          max_new_tokens=tgt_len - 1)
assert torch.equal(dlkit_decoded, decoded)
print("dlkit's Seq2SeqTransformer with our weights: same logits, same decodes")

# %% [markdown]
# ## 8. What to try next
#
# - *The other direction*: digits to words is the [transformer page](../../architectures/transformer/)'s task;
#   the same code learns it with the vocabularies swapped.
# - **Beam search** instead of greedy decoding: keep the $k$ most likely partial sequences.
# - *More small numbers in training*, or weighting them: the error analysis says that is where it fails.
# - *Post-norm blocks* (the 2017 layout, `norm_first=False` in PyTorch) need a learning-rate warm-up: try them
#   with and without one.
# - *Dropout and label smoothing*, and a larger model, once the task is harder (numbers to 999,999).
