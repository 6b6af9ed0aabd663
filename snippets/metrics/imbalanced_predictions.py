import numpy as np
import pytorch_lightning as pl
from sklearn.datasets import make_classification

from dlkit.data import ArrayDataModule
from dlkit.metrics import collect_predictions
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# 4,000 samples, about 95% negatives and 5%
# positives (a rare disease, a fraud, a defect).
x, y = make_classification(
    n_samples=4000,
    n_features=10,
    n_informative=4,
    weights=[0.95],
    class_sep=1.5,
    flip_y=0.01,
    random_state=0,
)
print("samples per class:", np.bincount(y).tolist())

pl.seed_everything(0, verbose=False)
# Stratified 60/20/20 split: about 45 positives each in
# validation (to choose a threshold) and test (to report).
rare = ArrayDataModule(
    x=x,
    y=y,
    task="classification",
    batch_size=128,
    val_fraction=0.2,
    test_fraction=0.2,
    seed=0,
)
rare_task = ClassificationTask(
    model=MLP,
    model_kwargs={"in_features": 10, "out_features": 2, "hidden_dims": (32,)},
    num_classes=2,
    lr=3e-3,
)
make_trainer(max_epochs=20).fit(rare_task, datamodule=rare)

probabilities, y_test = collect_predictions(rare_task, rare.test_dataloader())
scores = probabilities[:, 1]  # P(positive) for each test sample, (800,)
model_predictions = scores.gt(0.5).long()
val_probabilities, y_val = collect_predictions(rare_task, rare.val_dataloader())
# the validation split's, for choosing a threshold later, (800,)
val_scores = val_probabilities[:, 1]
