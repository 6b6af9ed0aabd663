# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   covers:
#     - topic: "text generation"
#       section: "#text-generation-a-character-gpt-against-a-bigram-model"
# ---

# %% [markdown]
# # Text generation: a character GPT against a bigram model
#
# This notebook trains a small GPT to write text one character at a time: frame the problem, look at the
# text, count a bigram model as the baseline, train the GPT with `dlkit`, compare both on held-out text by their
# perplexity, read samples at several temperatures, and find where the GPT's advantage comes from and what it
# still gets wrong. Every cell ran in the test suite, and this page shows that run; an `assert` after a
# claim means the suite would have failed had the claim been false.
#
# ## 1. The problem
#
# **Data:** the Python language reference that ships with every Python interpreter (`pydoc_data.topics`, the
# text behind `help("if")`): about 465,000 characters of English prose, grammar rules and code examples.
# **Input:** the characters so far. **Output:** a probability for each possible next character; sampling from it
# again and again *generates* text.
# **Success metric,** chosen before training: the **perplexity** on the last 5% of the text, which no model
# sees while it learns, $\mathrm{PPL} = \exp\big(-\frac{1}{N}\sum_t \log p(x_t \mid x_{<t})\big)$: the number of
# equally likely characters the model is, on average, choosing among (lower is better). A model that knows
# nothing has the vocabulary size.
# **Baseline to beat:** a **bigram** model, the probability of each character given only the one before it,
# counted on the training text. The GPT must beat it clearly, or its attention over longer context bought nothing.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pytorch_lightning as pl
import torch

from dlkit.data.corpus import CharCorpusDataModule, python_reference_corpus

torch.set_num_threads(1)   # a small model: one thread is fastest, and repeats exactly
reference = python_reference_corpus()   # {topic: text}, 79 topics
text = "\n\n".join(reference.values())
print(f"{len(reference)} topics, {len(text):,} characters, "
      f"{len(set(text))} distinct characters")
print(reference["while"][:300])
assert len(text) > 400_000 and 90 <= len(set(text)) <= 120

# %% [markdown]
# ## 2. The text
#
# Spaces and lower-case letters dominate, as in any English text; the quotes, brackets and `*` of the manual's
# markup and code examples come next. The bigram table on the right is the whole baseline model: for each
# character (row), how likely each next character is (column). It already knows that `q` is followed by `u`,
# and that a letter is often followed by a space.

# %%
from collections import Counter

counts = Counter(text)
top = [char for char, _ in counts.most_common(30)]
shown = " etaoinsrhlcdu"   # a few frequent characters for the bigram table
pair_counts = Counter(zip(text, text[1:]))
table = np.array([[pair_counts[a, b] for b in shown] for a in shown], dtype=float)
table /= np.array([sum(pair_counts[a, b] for b in set(text)) for a in shown])[:, None]

fig, (ax_freq, ax_pair) = plt.subplots(1, 2, figsize=(10, 3.6),
                                       gridspec_kw={"width_ratios": [1.6, 1]})
ax_freq.bar(range(30), [counts[c] / len(text) for c in top])
ax_freq.set_xticks(range(30), [repr(c)[1:-1] or "sp" for c in top], fontsize=8)
ax_freq.set(ylabel="share of characters", title="30 most frequent characters")
ax_pair.imshow(table, cmap="Blues")
labels = ["sp" if c == " " else c for c in shown]
ax_pair.set_xticks(range(len(shown)), labels)
ax_pair.set_yticks(range(len(shown)), labels)
ax_pair.set(xlabel="next character", ylabel="character",
            title="p(next | character)")
plt.tight_layout()
plt.show()
print(f"space: {counts[' '] / len(text):.1%} of the text; "
      f"p('u' | 'q') = {pair_counts['q', 'u'] / counts['q']:.2f}")
assert top[0] == " " and pair_counts["q", "u"] / counts["q"] > 0.8

# %% [markdown]
# ## 3. Training and held-out text
#
# `CharCorpusDataModule` keeps the first 95% of the text for training and the last 5% (the last topics in
# alphabetical order) for validation, so no held-out character was ever a training character. It cuts both
# into windows of 32 characters; each target is its window shifted by one character. Every pair of neighbouring
# characters appears once among the windows' (input, target) pairs.

# %%
corpus = CharCorpusDataModule(text=text, max_len=32, batch_size=64,
                              val_fraction=0.05)
vocab_size = len(corpus.vocab)
x_train, y_train = corpus.train_set.tensors   # (N, 32) inputs, (N, 32) next characters
x_val, y_val = corpus.val_set.tensors
print(f"vocabulary {vocab_size}; training windows {tuple(x_train.shape)}, "
      f"held-out windows {tuple(x_val.shape)} = {y_val.numel():,} characters to "
      "predict")
assert torch.equal(x_train[0, 1:], y_train[0, :-1])   # the target is the input, shifted

# %% [markdown]
# ## 4. Baselines: uniform, unigram, bigram
#
# The bigram model is a table of counts: $p(b \mid a) = \frac{n(a, b) + k}{n(a) + k V}$, with **add-$k$
# smoothing** so that a pair never seen in training does not get probability 0 (one such pair in the held-out
# text would make the perplexity infinite). The smoothing $k$ is chosen on the last tenth of the *training*
# windows, counting on the rest, so the held-out text stays unseen; then the table is counted on all training
# windows. Each model's perplexity is computed on exactly the characters the GPT will be scored on, by hand and
# with torchmetrics' `Perplexity`, which agree.

# %%
import math

from torchmetrics.text import Perplexity


def bigram_log_probs(x, y, k):
    """log p(next | previous): a (V, V) table counted on pairs (x[i, t], y[i, t])."""
    pairs = torch.zeros(vocab_size, vocab_size)
    pairs.index_put_((x.flatten(), y.flatten()), torch.ones(x.numel()), accumulate=True)
    smoothed = pairs + k
    return (smoothed / smoothed.sum(dim=1, keepdim=True)).log()


def perplexity(log_probs, y):
    """exp(mean negative log-likelihood) of targets y, given (N, T, V) log-probs."""
    nll = -log_probs.gather(-1, y.unsqueeze(-1)).mean()
    return math.exp(nll.item())


dev = len(x_train) * 9 // 10   # choose k on the last tenth of the training windows
dev_perplexity = {
    k: perplexity(bigram_log_probs(x_train[:dev], y_train[:dev], k)[x_train[dev:]],
                  y_train[dev:])
    for k in (1.0, 0.3, 0.1, 0.03, 0.01)
}
best_k = min(dev_perplexity, key=dev_perplexity.get)
bigram = bigram_log_probs(x_train, y_train, best_k)   # (V, V)
unigram = torch.bincount(y_train.flatten(), minlength=vocab_size) + 1.0
unigram = (unigram / unigram.sum()).log()              # (V,), add-one smoothed

results = {
    "uniform guess": float(vocab_size),
    "unigram (character frequencies)": perplexity(
        unigram.expand(*y_val.shape, vocab_size), y_val),
    f"bigram (add-{best_k:g} smoothing)": perplexity(bigram[x_val], y_val),
}
torchmetrics_bigram = Perplexity()(bigram[x_val], y_val).item()   # softmax(log p) = p
print({k: round(v, 3) for k, v in dev_perplexity.items()}, "-> k =", best_k)
for name, value in results.items():
    print(f"{name:34s} held-out perplexity {value:6.2f}")
bigram_ppl = results[f"bigram (add-{best_k:g} smoothing)"]
assert math.isclose(torchmetrics_bigram, bigram_ppl, rel_tol=1e-4)
assert bigram_ppl < results["unigram (character frequencies)"] < vocab_size

# %% [markdown]
# ## 5. A character GPT with dlkit
#
# [`GPT`](../../reference/dlkit/models/gpt/#dlkit.models.gpt.GPT) embeds each character and its position, lets
# every position attend to the positions before it (causal self-attention), and predicts the next character at
# every position. For a few seconds on one CPU thread, one transformer block of width 64 (four heads) learned
# more per second than two in trials while this notebook was written: 500 steps of 64 windows, AdamW with the
# learning rate annealed to zero along a cosine, bfloat16 mixed precision (then twice as fast as float32 on a CPU
# that supports it; the evaluation below runs in float32).
# [`CausalLMTask`](../../reference/dlkit/tasks/language_model/#dlkit.tasks.language_model.CausalLMTask)
# minimises the cross-entropy of every next character.

# %%
import warnings

from dlkit.models.gpt import GPT
from dlkit.tasks.language_model import CausalLMTask
from dlkit.training import make_trainer

warnings.filterwarnings("ignore", message=".*LeafSpec.*")   # a Lightning/torch notice
steps = 500
pl.seed_everything(0, verbose=False)
gpt_task = CausalLMTask(
    model=GPT,
    model_kwargs={"vocab_size": vocab_size, "max_len": 32, "d_model": 64,
                  "num_heads": 4, "num_layers": 1},
    lr=5e-3,
    scheduler="cosine", scheduler_kwargs={"T_max": steps}, scheduler_interval="step",
)
trainer = make_trainer(max_steps=steps, max_epochs=-1, limit_val_batches=0,
                       precision="bf16-mixed")
trainer.fit(gpt_task, datamodule=corpus)
gpt = gpt_task.net.eval()
with torch.no_grad():   # float32, on the held-out windows
    gpt_log_probs = gpt(x_val.to(gpt_task.device)).log_softmax(dim=-1).cpu()
results["GPT, 1 block (dlkit)"] = perplexity(gpt_log_probs, y_val)
num_params = sum(p.numel() for p in gpt.parameters())
print(f"{trainer.global_step} steps; {num_params:,} parameters")
assert trainer.global_step == steps

# %% [markdown]
# ## 6. Results

# %%
gpt_ppl = results["GPT, 1 block (dlkit)"]
print(f"{'model':34s} {'held-out perplexity':>20s}")
for name, value in results.items():
    print(f"{name:34s} {value:20.2f}")
print(f"the GPT's perplexity is {gpt_ppl / bigram_ppl:.0%} of the bigram's")

fig, ax = plt.subplots(figsize=(7, 2.6))
ax.barh(list(results), list(results.values()))
ax.set(xlabel="held-out perplexity (lower is better)", xscale="log")
ax.invert_yaxis()
plt.show()
# the GPT beats the bigram by far: at most 70% of its perplexity
assert gpt_ppl < 0.7 * bigram_ppl
assert math.isclose(Perplexity()(gpt_log_probs, y_val).item(), gpt_ppl, rel_tol=1e-4)

# %% [markdown]
# The GPT is choosing among little more than half as many characters as the bigram model at each step (over
# seeds 0 to 4 when this notebook was written, each moving the initialisation and the batch order: GPT 5.3 to
# 5.7, 56% to 60% of the bigram's 9.4; the assertion demands at most 70%).
#
# ## 7. Samples at several temperatures
#
# Generation samples each next character from $\operatorname{softmax}(z / \tau)$ of the GPT's logits $z$ for the
# last position, then feeds the text back in. The **temperature** $\tau$ trades safety for variety: at 0.5 the
# model keeps to its most likely characters (repetitive, mostly real words), at 1.0 it samples its own
# distribution, at 1.5 it takes more unlikely characters (more typos and invented words). A bigram sample at
# $\tau = 1$ is shown for comparison. A seeded `torch.Generator` makes each sample repeatable.

# %%
prompts = torch.tensor([corpus.vocab.encode("The ")] * 8, device=gpt_task.device)
gpt = gpt.to(gpt_task.device)
samples = {}   # temperature -> (8, 4 + 200) ids: 8 samples from the same prompt
for temperature in (0.5, 0.8, 1.0, 1.5):
    generator = torch.Generator(device=gpt_task.device).manual_seed(0)
    samples[temperature] = gpt.generate(prompts, max_new_tokens=200,
                                        temperature=temperature, generator=generator)
    print(f"--- GPT, temperature {temperature} ---\n"
          f"{corpus.vocab.decode(samples[temperature][0])}\n")


def bigram_sample(prompt, length, generator):
    """Sample `length` characters after the text `prompt` from the bigram table."""
    ids = corpus.vocab.encode(prompt)
    for _ in range(length):
        probs = bigram[ids[-1]].exp()
        ids.append(torch.multinomial(probs, 1, generator=generator).item())
    return corpus.vocab.decode(ids)


generator = torch.Generator().manual_seed(0)
bigram_texts = [bigram_sample("The ", 200, generator) for _ in range(8)]
print(f"--- bigram, temperature 1.0 ---\n{bigram_texts[0]}")
assert all(ids.shape == (8, 204) for ids in samples.values())

# %% [markdown]
# Samples are text the model wrote, so their exact characters depend on the seed and on the hardware's
# arithmetic. What should hold on every run is measured on all 8 samples per temperature instead.
# **How probable the model finds its own samples:** cooler samples are more probable (a higher mean
# log-probability per character). **How many real words:** the share of generated words (runs of at least two
# letters) that occur somewhere in the training text, GPT at temperature 1.0 against the bigram model: over
# seeds 0 to 4, 27% to 33% for the GPT and 11% to 17% for the bigram, at least 10 points apart (asserted: 5).

# %%
import re

import torch.nn.functional as F

training_words = set(re.findall(r"[a-z]{2,}", text[: len(text) * 95 // 100].lower()))


def mean_log_prob(ids):
    """Mean log-probability per character the GPT gives (B, L) ids, in windows of 33."""
    windows = ids.unfold(1, 33, 32).flatten(0, 1)   # (B * n, 33)
    with torch.no_grad():
        logits = gpt(windows[:, :-1])                # (B * n, 32, V)
    targets = windows[:, 1:].flatten()
    return -F.cross_entropy(logits.flatten(0, 1).float(), targets).item()


def real_word_share(texts):
    words = [w for t in texts for w in re.findall(r"[a-z]{2,}", t[4:].lower())]
    return sum(w in training_words for w in words) / len(words)


log_probs = {t: mean_log_prob(ids) for t, ids in samples.items()}
share = {
    "GPT": real_word_share([corpus.vocab.decode(row) for row in samples[1.0]]),
    "bigram": real_word_share(bigram_texts),
}
print("mean log-probability per character:",
      {t: round(lp, 2) for t, lp in log_probs.items()})
print(f"real words at temperature 1.0: GPT {share['GPT']:.0%}, "
      f"bigram {share['bigram']:.0%}")
assert log_probs[0.5] > log_probs[0.8] > log_probs[1.0] > log_probs[1.5]
assert share["GPT"] > share["bigram"] + 0.05

# %% [markdown]
# ## 8. Where the GPT wins, and what it gets wrong
#
# **Context.** At the first position of a window the GPT has seen a single character, exactly what the bigram
# model sees; at later positions it can attend to up to 31 characters before. Its loss per position shows what
# the attention buys: at the first position it is no better than the bigram table, even a little worse (it has
# the same information, and spends its few training steps on what context brings: perplexity 11.0 to 11.4 over
# seeds 0 to 4, against the bigram's 9.4), and with 9 or more characters of context it is far below (5.1 to 5.6;
# asserted: below 65% of the bigram's).

# %%
gpt_nll = -gpt_log_probs.gather(-1, y_val.unsqueeze(-1))[..., 0]   # (N, 32)
bigram_nll = -bigram[x_val].gather(-1, y_val.unsqueeze(-1))[..., 0]
by_position = gpt_nll.mean(dim=0)                                   # (32,)

fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(range(1, 33), by_position.exp(), marker="o", label="GPT")
ax.axhline(bigram_nll.mean().exp(), color="tab:orange", linestyle="--",
           label="bigram (any position)")
ax.set(xlabel="characters of context seen", ylabel="held-out perplexity",
       title="The GPT's advantage comes from context")
ax.legend()
plt.show()
first, late = by_position[0].exp().item(), by_position[8:].mean().exp().item()
print(f"GPT perplexity with 1 character of context {first:.2f}, "
      f"with 9 to 32: {late:.2f}; bigram {bigram_ppl:.2f}")
assert first > 0.9 * bigram_ppl and late < 0.65 * bigram_ppl

# %% [markdown]
# **Surprises.** Which held-out characters cost the GPT most? The first letter of a word carries most of the
# information (which word comes next), the rest of a word is then largely determined: the model's perplexity on
# word-initial letters is four to five times that on letters inside a word (over seeds 0 to 4; asserted: 3). Below, one held-out window with a `^`
# under each character the GPT gave less than a 10% chance.

# %%
flat_x, flat_y, flat_nll = x_val.flatten(), y_val.flatten(), gpt_nll.flatten()
is_letter = torch.tensor([c.isalpha() for c in corpus.vocab.tokens])
word_start = is_letter[flat_y] & ~is_letter[flat_x]   # a letter after a non-letter
inside_word = is_letter[flat_y] & is_letter[flat_x]
start_ppl = flat_nll[word_start].mean().exp().item()
inside_ppl = flat_nll[inside_word].mean().exp().item()
print(f"GPT perplexity on first letters of words {start_ppl:.1f}, "
      f"on letters inside words {inside_ppl:.1f}")

window = int(gpt_nll.mean(dim=1).argsort()[len(gpt_nll) // 2])   # a typical window
target = corpus.vocab.decode(y_val[window])
marks = "".join("^" if p < 0.1 else " " for p in (-gpt_nll[window]).exp().tolist())
print(repr(target)[1:-1].replace("\\n", "/"))   # "/" marks a line break
print(marks)
assert start_ppl > 3 * inside_ppl

# %% [markdown]
# ## 9. What to try next
#
# - **Train longer, and larger.** These are a few seconds on one CPU thread; the held-out perplexity was still
#   falling when training stopped. More blocks, a wider model, and a context longer than 32 characters pay off
#   once there is time to train them (on a GPU, minutes instead of seconds).
# - **Subword tokens.** Byte-pair encoding (see the [GPT page](../../architectures/gpt/)) lets each position
#   carry about two characters, so the same context covers twice the text; compare per *character* (bits per
#   character), not per token, since tokens differ.
# - **A stronger count baseline.** Trigram or 5-gram models with Kneser-Ney smoothing are much harder to beat than
#   a bigram; the honest comparison for a small GPT is the best n-gram.
# - **Decoding.** Top-k and nucleus (top-p) sampling cut the unlikely tail that makes the 1.5-temperature sample
#   ramble, while keeping the variety that greedy decoding lacks.
