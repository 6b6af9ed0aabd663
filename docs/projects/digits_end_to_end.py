# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   covers:
#     - topic: "handwritten digit recognition"
#       section: "#handwritten-digit-recognition-end-to-end"
#     - topic: "exploratory data analysis"
#       section: "#2-exploratory-data-analysis"
#     - topic: "evaluation and error analysis"
#       section: "#6-error-analysis"
# ---

# %% [markdown]
# # Handwritten digit recognition, end to end
#
# This notebook walks one project from the question to a saved model: frame the problem, look at the data,
# set a baseline, train an MLP and then a CNN with `dlkit`, study the mistakes, and check that the saved model
# gives the same predictions after reloading. Every cell ran in the test suite, and this page shows that run; an
# `assert` after a claim means the suite would have failed had the claim been false.
#
# Download it with the button at the top of the page and run it with `jupyter lab` in an environment where
# `pip install -e ".[docs]"` installed dlkit.

# %% [markdown]
# ## 1. The problem
#
# **Input:** an 8×8 greyscale scan of a handwritten digit (64 pixels, values 0-16).
# **Output:** which of the ten digits it is, so this is **multi-class classification**.
# **Success metric:** accuracy on digits the model never saw while training or tuning, a held-out test split.
# The classes are balanced (see below), so accuracy is a fair summary; the confusion matrix shows where it fails.
#
# A classifier outputs one score $z_k$ per class; the softmax turns the scores into probabilities and training
# minimises the cross-entropy of the true class $y$:
#
# $$p_k = \frac{e^{z_k}}{\sum_{j=1}^{10} e^{z_j}}, \qquad \mathcal{L} = -\frac{1}{N}\sum_{i=1}^{N} \log p_{i, y_i}$$

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pytorch_lightning as pl
import torch
from sklearn.datasets import load_digits

from dlkit.data import DigitsDataModule

# tiny models train fastest on one CPU thread; the numbers then match on any machine
torch.set_num_threads(1)
digits = load_digits()
print(
    digits.images.shape, digits.target.shape, digits.images.min(), digits.images.max()
)
assert digits.images.shape == (1797, 8, 8) and digits.images.max() == 16

# %% [markdown]
# `DigitsDataModule` splits the same 1,797 digits with a fixed seed into 70% training, 10% validation and 20%
# test, stratified by class, and standardises pixels with the training split's mean and standard deviation only.

# %%
pl.seed_everything(0, verbose=False)
# (64,) vectors: baseline and MLP
flat = DigitsDataModule(as_images=False, seed=0, batch_size=128)
# (1, 8, 8) images for the CNN, same split
images = DigitsDataModule(as_images=True, seed=0, batch_size=128)
counts = flat.class_counts()
print({split: sum(c) for split, c in counts.items()})
# same test digits, same order
assert torch.equal(flat.test_set.tensors[1], images.test_set.tensors[1])

# %% [markdown]
# ## 2. Exploratory data analysis
#
# **Class balance.** Every digit has about the same number of samples in every split, so a model cannot score
# well by favouring one class.

# %%
fig, ax = plt.subplots(figsize=(7, 2.6))
width = 0.28
for offset, split in zip((-width, 0, width), ("train", "val", "test")):
    share = np.array(counts[split]) / sum(counts[split])
    ax.bar(np.arange(10) + offset, share, width, label=split)
ax.set(
    xlabel="digit",
    ylabel="share of split",
    xticks=range(10),
    title="Class balance per split",
)
ax.legend(ncol=3)
plt.show()
shares = np.array([np.array(c) / sum(c) for c in counts.values()])
# every class holds 9-11% of every split
assert shares.min() > 0.09 and shares.max() < 0.11

# %% [markdown]
# **Sample images.** One example per class, as the model sees them (before standardisation).

# %%
fig, axes = plt.subplots(2, 10, figsize=(9, 2.2))
for digit in range(10):
    for row in range(2):
        index = np.flatnonzero(digits.target == digit)[row]
        axes[row, digit].imshow(digits.images[index], cmap="gray_r")
        axes[row, digit].set_axis_off()
    axes[0, digit].set_title(str(digit))
plt.show()

# %% [markdown]
# **Pixel statistics.** The mean image is a blurred "average digit"; the border pixels are almost always blank,
# and the pixel histogram is dominated by 0 (background) and 16 (full ink).

# %%
pixels = digits.images.reshape(len(digits.images), -1)
fig, (ax_mean, ax_std, ax_hist) = plt.subplots(1, 3, figsize=(9, 2.8))
ax_mean.imshow(digits.images.mean(axis=0), cmap="gray_r")
ax_mean.set(title="mean pixel value")
ax_std.imshow(digits.images.std(axis=0), cmap="viridis")
ax_std.set(title="pixel standard deviation")
for ax in (ax_mean, ax_std):
    ax.set_axis_off()
ax_hist.hist(pixels.ravel(), bins=17, range=(0, 17), color="tab:blue")
ax_hist.set(title="pixel values", xlabel="intensity (0-16)", yscale="log")
plt.tight_layout()
plt.show()
blank_columns = (pixels.std(axis=0) == 0).sum()
print(
    f"{blank_columns} of 64 pixels never change; {np.mean(pixels == 0):.0%} of all "
    "pixel values are 0"
)
assert blank_columns >= 1 and np.mean(pixels == 0) > 0.4

# %% [markdown]
# **Correlations.** Pixel values are far from independent: neighbouring pixels rise and fall together, much more
# than pixels far apart. This is the structure a convolutional network is built to exploit.

# %%
varying = pixels[:, pixels.std(axis=0) > 0]  # (1797, 61): drop the constant pixels
corr = np.corrcoef(varying, rowvar=False)    # (61, 61)
fig, ax = plt.subplots(figsize=(3.6, 3.2))
image = ax.imshow(corr, cmap="coolwarm", vmin=-1, vmax=1)
ax.set(title="pixel-pixel correlation", xlabel="pixel", ylabel="pixel")
fig.colorbar(image, ax=ax, shrink=0.8)
plt.show()
# a constant pixel correlates with nothing: NaN
with np.errstate(divide="ignore", invalid="ignore"):
    full = np.corrcoef(pixels, rowvar=False)           # (64, 64)
grid = np.arange(64).reshape(8, 8)                     # pixel index at (row, column)
# side by side
neighbours = np.nanmean(
    [full[a, b] for a, b in zip(grid[:, :-1].ravel(), grid[:, 1:].ravel())]
)
# 6 columns apart
far_apart = np.nanmean(
    [full[a, b] for a, b in zip(grid[:, :2].ravel(), grid[:, -2:].ravel())]
)
print(
    f"mean correlation: horizontal neighbours {neighbours:.2f}, pixels 6 columns apart "
    f"{far_apart:.2f}"
)
assert neighbours > far_apart + 0.2

# %% [markdown]
# ## 3. A baseline first
#
# Logistic regression on the 64 standardised pixels: a linear model that tells us what "good" means here.

# %%
from sklearn.linear_model import LogisticRegression

x_train, y_train = flat.train_set.tensors
x_test, y_test = flat.test_set.tensors
baseline = LogisticRegression(max_iter=2000).fit(x_train.numpy(), y_train.numpy())
baseline_acc = baseline.score(x_test.numpy(), y_test.numpy())
print(f"logistic regression: {baseline_acc:.4f}")
assert baseline_acc > 0.94

# %% [markdown]
# ## 4. An MLP, then a CNN
#
# Both networks train with the same [`ClassificationTask`](../../reference/dlkit/tasks/classification/#dlkit.tasks.classification.ClassificationTask) and the
# quiet, deterministic Trainer from `make_trainer` (it uses a GPU when there is one). The MLP sees 64 numbers;
# the CNN sees the 8×8 grid, so its filters can reuse what they learn at every position.

# %%
from dlkit.callbacks import History
from dlkit.models.cnn import CNN
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
mlp_task = ClassificationTask(
    model=MLP,
    model_kwargs={
        "in_features": 64,
        "out_features": 10,
        "hidden_dims": (256,),
        "dropout": 0.2,
    },
    num_classes=10,
    lr=5e-3,
)
mlp_trainer = make_trainer(max_epochs=10)
mlp_trainer.fit(mlp_task, datamodule=flat)
mlp_acc = mlp_trainer.test(mlp_task, datamodule=flat, verbose=False)[0]["test_acc"]

pl.seed_everything(0, verbose=False)
cnn_task = ClassificationTask(
    model=CNN,
    model_kwargs={
        "in_channels": 1,
        "num_classes": 10,
        "image_size": 8,
        "channels": (32, 64),
        "dropout": 0.2,
    },
    num_classes=10,
    lr=3e-3,
    # learning rate annealed to 0
    scheduler="cosine",
    scheduler_kwargs={"T_max": 10},
)
history = History()
cnn_trainer = make_trainer(max_epochs=10, callbacks=[history])
cnn_trainer.fit(cnn_task, datamodule=images)
cnn_acc = cnn_trainer.test(cnn_task, datamodule=images, verbose=False)[0]["test_acc"]


def n_params(task):
    return sum(p.numel() for p in task.parameters())


print(f"{'model':<22}{'test accuracy':>14}{'parameters':>12}")
baseline_params = baseline.coef_.size + baseline.intercept_.size
print(f"{'logistic regression':<22}{baseline_acc:>14.4f}{baseline_params:>12}")
print(f"{'MLP (256 hidden)':<22}{mlp_acc:>14.4f}{n_params(mlp_task):>12}")
print(f"{'CNN (32, 64 filters)':<22}{cnn_acc:>14.4f}{n_params(cnn_task):>12}")
assert mlp_acc >= 0.95 and cnn_acc >= 0.975

# %% [markdown]
# One test digit is 0.28 points of accuracy, and these models are a few digits apart: another seed (another split,
# other initial weights) can shrink the CNN's lead to nothing (when this notebook was written, seeds 0 to 9 put the
# CNN ahead of both flat models by 0 to 9 test digits). So the comparison is made on three seeds, each with its
# own split, and on the *medians* of the three runs. Seed 0 is the runs above.

# %%
import statistics


def fit_and_test(seed, model, model_kwargs, as_images, **task_kwargs):
    """The recipe above on the digits split of this seed: returns the test accuracy."""
    pl.seed_everything(seed, verbose=False)
    data = DigitsDataModule(as_images=as_images, seed=seed, batch_size=128)
    task = ClassificationTask(
        model=model, model_kwargs=model_kwargs, num_classes=10, **task_kwargs
    )
    trainer = make_trainer(max_epochs=10)
    trainer.fit(task, datamodule=data)
    return trainer.test(task, datamodule=data, verbose=False)[0]["test_acc"]


# seed 0
runs = {"logistic regression": [baseline_acc], "MLP": [mlp_acc], "CNN": [cnn_acc]}
for seed in (1, 2):
    split = DigitsDataModule(as_images=False, seed=seed)
    (x_tr, y_tr), (x_te, y_te) = split.train_set.tensors, split.test_set.tensors
    linear = LogisticRegression(max_iter=2000).fit(x_tr.numpy(), y_tr.numpy())
    runs["logistic regression"].append(linear.score(x_te.numpy(), y_te.numpy()))
    runs["MLP"].append(
        fit_and_test(seed, MLP, mlp_task.hparams.model_kwargs, as_images=False, lr=5e-3)
    )
    cosine = {"scheduler": "cosine", "scheduler_kwargs": {"T_max": 10}}
    runs["CNN"].append(
        fit_and_test(
            seed, CNN, cnn_task.hparams.model_kwargs, as_images=True, lr=3e-3, **cosine
        )
    )
medians = {name: statistics.median(accs) for name, accs in runs.items()}
for name, accs in runs.items():
    print(
        f"{name:<22} seeds 0, 1, 2: {', '.join(f'{a:.4f}' for a in accs)}   median "
        f"{medians[name]:.4f}"
    )
# wrong test digits, of 360
median_wrong = {name: round((1 - acc) * 360) for name, acc in medians.items()}
print("median number of wrong test digits:", median_wrong)
# within a few digits of each other
assert abs(medians["MLP"] - medians["logistic regression"]) < 0.025
# 2+ fewer mistakes
assert medians["CNN"] >= max(medians["MLP"], medians["logistic regression"]) + 0.005

# %% [markdown]
# On 64 pixels the MLP does about as well as the linear baseline (their medians are within 2.5 points): with so
# few inputs, a linear model already separates most digits. The CNN, which knows which pixels are neighbours,
# makes fewer mistakes than both: by the medians of three seeds, at least two fewer wrong test digits than either
# (when this notebook was written, four to seven fewer over seeds 0 to 9).
#
# The learning curve of the CNN: training loss falls steadily and validation accuracy settles near the top.

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3))
epochs = range(1, len(history.epochs) + 1)
ax_loss.plot(epochs, history["train_loss"], label="train")
ax_loss.plot(epochs, history["val_loss"], label="validation")
ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="CNN loss")
ax_acc.plot(epochs, history["val_acc"], color="tab:orange")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="CNN validation accuracy")
ax_loss.legend()
plt.tight_layout()
plt.show()
assert history["train_loss"][-1] < history["train_loss"][0] / 3

# %% [markdown]
# ## 5. Evaluation on the test split
#
# Per-class recall from the confusion matrix (row $k$: the true digit $k$; column: the prediction).

# %%
from torchmetrics.classification import MulticlassConfusionMatrix

# (360, 10), test split
logits = torch.cat(cnn_trainer.predict(cnn_task, datamodule=images))
predictions = logits.argmax(dim=1).cpu()
y_test = images.test_set.tensors[1]
confusion = MulticlassConfusionMatrix(num_classes=10)(predictions, y_test)
fig, ax = plt.subplots(figsize=(4.2, 3.8))
ax.imshow(confusion.numpy(), cmap="Blues")
for row in range(10):
    for col in range(10):
        if confusion[row, col]:
            ax.text(
                col, row, int(confusion[row, col]), ha="center", va="center", fontsize=7
            )
ax.set(
    xlabel="predicted",
    ylabel="true",
    xticks=range(10),
    yticks=range(10),
    title="CNN confusion matrix",
)
plt.show()
recall = confusion.diag() / confusion.sum(dim=1)
print("recall per digit:", [round(r, 3) for r in recall.tolist()])
# correct predictions = accuracy x test digits
assert int(confusion.trace()) == round(cnn_acc * len(y_test))

# %% [markdown]
# ## 6. Error analysis
#
# The misclassified test digits, with the true label, the prediction and the model's confidence. Many are
# ambiguous even to a human at 8×8 pixels; a confident mistake is worth a closer look (a label error, or a
# writing style the training split lacks).

# %%
wrong = torch.nonzero(predictions != y_test).flatten()
confidence = logits.softmax(dim=1).max(dim=1).values.cpu()
raw_test = images.test_set.tensors[0][:, 0]      # (N, 8, 8), standardised pixels
columns = min(len(wrong), 10)
fig, axes = plt.subplots(
    1, max(columns, 1), figsize=(1.1 * max(columns, 1), 1.6), squeeze=False
)
for ax, index in zip(axes[0], wrong[:columns].tolist()):
    ax.imshow(raw_test[index], cmap="gray_r")
    ax.set_title(
        f"{y_test[index].item()}→{predictions[index].item()}\n{confidence[index]:.0%}",
        fontsize=8,
    )
for ax in axes[0]:
    ax.set_axis_off()
plt.show()
print(f"{len(wrong)} of {len(y_test)} test digits misclassified")
assert len(wrong) == len(y_test) - confusion.trace().item()

# %% [markdown]
# ## 7. Save, reload, predict the same
#
# A Lightning checkpoint stores the weights and the task's primitive hyperparameters (the network's import path
# and keyword arguments), so `load_from_checkpoint` alone rebuilds the model. To deploy, the weights are enough:
# `weights_only=True` leaves out the optimizer's state, which only resuming training would need. The reloaded
# model's predictions on the test split are identical to the trained model's.

# %%
import tempfile
from pathlib import Path

with tempfile.TemporaryDirectory() as folder:
    checkpoint = Path(folder) / "digits-cnn.ckpt"
    # weights + hyperparameters, no optimizer state
    cnn_trainer.save_checkpoint(checkpoint, weights_only=True)
    # loading weights_only=False lets torch unpickle any
    # object: fine for a checkpoint we wrote ourselves
    reloaded = ClassificationTask.load_from_checkpoint(
        checkpoint, map_location="cpu", weights_only=False
    )
    print(
        f"checkpoint: {checkpoint.stat().st_size / 1e3:.0f} kB, network: "
        f"{reloaded.hparams.model}"
    )

reloaded.eval()
cnn_task.eval()
with torch.no_grad():
    x_test = images.test_set.tensors[0]
    before = cnn_task.to("cpu")(x_test)
    after = reloaded(x_test)
assert torch.equal(before.argmax(dim=1), after.argmax(dim=1))
torch.testing.assert_close(before, after)  # equal up to float rounding (raises if not)
print("reloaded model: identical predictions on all", len(x_test), "test digits")
