import numpy as np
import pytorch_lightning as pl
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, train_test_split

from dlkit.data import TensorDataModule
from dlkit.metrics import collect_predictions
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# small batches of 64 pixels: extra threads would only wait on each other
torch.set_num_threads(1)
digits = load_digits()
# a fixed scale: nothing fitted, no leak
x = torch.tensor(digits.data / 16, dtype=torch.float32)
y = torch.tensor(digits.target)


def train_and_predict(train_index, eval_index):
    """Train the MLP on train_index for 10 epochs.

    Returns the class probabilities for eval_index.
    """
    pl.seed_everything(0, verbose=False)
    datamodule = TensorDataModule(train=(x[train_index], y[train_index]),
                                  val=(x[eval_index], y[eval_index]), batch_size=64)
    task = ClassificationTask(model=MLP, num_classes=10, lr=3e-3,
                              model_kwargs={"in_features": 64, "out_features": 10})
    make_trainer(max_epochs=10).fit(task, datamodule=datamodule)
    probabilities, _ = collect_predictions(task, datamodule.val_dataloader())
    return probabilities


# 5 stratified folds: each sample is held out exactly once; each fold keeps the class
# shares.
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
fold_accuracies = []
# every digit's probabilities, from the model
out_of_fold = torch.zeros(len(y), 10)
for train_index, held_out in folds.split(x, y):  # that never saw it
    out_of_fold[held_out] = train_and_predict(train_index, held_out)
    correct = out_of_fold[held_out].argmax(1) == y[held_out]
    fold_accuracies.append(correct.float().mean().item())
cv_mean = float(np.mean(fold_accuracies))
cv_std = float(np.std(fold_accuracies, ddof=1))
print("fold accuracies:", [round(a, 4) for a in fold_accuracies])
print(f"5-fold cross-validation: {cv_mean:.4f} ± {cv_std:.4f}")

# One train/test split of the same size (80/20), for comparison.
train_index, test_index = train_test_split(
    np.arange(len(y)), test_size=0.2, stratify=y, random_state=0
)
single_split = (train_and_predict(train_index, test_index).argmax(1) == y[test_index])
single_accuracy = single_split.float().mean().item()
print(f"single 80/20 split: {single_accuracy:.4f}")
