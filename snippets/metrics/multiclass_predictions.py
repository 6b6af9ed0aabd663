import numpy as np
import pytorch_lightning as pl
from sklearn.datasets import make_classification

from dlkit.data import ArrayDataModule
from dlkit.metrics import collect_predictions
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# Three classes in proportions 75% / 20% / 5%:
# a common class, a smaller one and a rare one.
x, y = make_classification(
    n_samples=1500,
    n_features=10,
    n_informative=4,
    n_classes=3,
    weights=[0.75, 0.2, 0.05],
    class_sep=0.8,
    random_state=0,
)
print("samples per class:", np.bincount(y).tolist())

pl.seed_everything(0, verbose=False)
data = ArrayDataModule(x=x, y=y, task="classification", batch_size=128, seed=0)
three_class_task = ClassificationTask(
    model=MLP,
    model_kwargs={"in_features": 10, "out_features": 3, "hidden_dims": (32,)},
    num_classes=3,
    lr=3e-3,
)
# 40 epochs: long enough to learn the rare class
make_trainer(max_epochs=40).fit(three_class_task, datamodule=data)

# Class probabilities (300, 3) and true classes (300,) of the test split, on the CPU.
class_probabilities, y_true = collect_predictions(
    three_class_task, data.test_dataloader()
)
y_pred = class_probabilities.argmax(dim=1)
