import numpy as np
import pytorch_lightning as pl
from sklearn.datasets import make_classification

from dlkit.data import ArrayDataModule
from dlkit.metrics import collect_predictions
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# 2,000 samples, about 95% negatives and 5% positives (a rare disease, a fraud, a defect).
x, y = make_classification(
    n_samples=2000, n_features=10, n_informative=4, weights=[0.95], class_sep=1.5, flip_y=0.01, random_state=0
)
print("samples per class:", np.bincount(y).tolist())

pl.seed_everything(0, verbose=False)
rare = ArrayDataModule(x=x, y=y, task="classification", batch_size=128, seed=0)  # stratified split
rare_task = ClassificationTask(
    model=MLP, model_kwargs={"in_features": 10, "out_features": 2, "hidden_dims": (32,)}, num_classes=2, lr=3e-3
)
make_trainer(max_epochs=20).fit(rare_task, datamodule=rare)

probabilities, y_test = collect_predictions(rare_task, rare.test_dataloader())
scores = probabilities[:, 1]  # P(positive), (400,)
model_predictions = scores.gt(0.5).long()
