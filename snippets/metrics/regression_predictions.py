import pytorch_lightning as pl
import torch
from sklearn.datasets import load_diabetes

from dlkit.data import ArrayDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import RegressionTask
from dlkit.training import make_trainer

# 442 patients, 10 features; y: disease progression after one year
x, y = load_diabetes(return_X_y=True)

pl.seed_everything(0, verbose=False)
# y standardised on train
diabetes = ArrayDataModule(x=x, y=y, task="regression", batch_size=32, seed=0)
task = RegressionTask(
    model=MLP,
    model_kwargs={
        "in_features": 10,
        "out_features": 1,
        "hidden_dims": (32,),
        "dropout": 0.1,
    },
    lr=3e-3,
)
trainer = make_trainer(max_epochs=30)
trainer.fit(task, datamodule=diabetes)

# test split, (89, 1) -> (89,)
outputs = torch.cat(trainer.predict(task, datamodule=diabetes)).squeeze(1)
# Back to the original units, in float64 (torchmetrics
# still sums MSE and MAE in float32: compare relatively).
y_pred = outputs.double() * diabetes.target_std + diabetes.target_mean
y_true = torch.tensor(y[diabetes.split_indices["test"]], dtype=torch.float64)
# The baseline: predict the mean progression of the training patients for everyone.
y_mean = torch.full_like(y_true, y[diabetes.split_indices["train"]].mean())
print(
    f"{len(y_true)} test patients, progression {y_true.min():.0f} to {y_true.max():.0f}"
)
