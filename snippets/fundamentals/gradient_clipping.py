import math

import numpy as np
import pytorch_lightning as pl

from dlkit.callbacks import GradientNormLogger
from dlkit.data import ArrayDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import RegressionTask
from dlkit.training import History, make_trainer

rng = np.random.default_rng(0)
x = 10 * rng.normal(size=(1000, 5))                 # features on a scale of 10, left unnormalised on purpose
y = x @ rng.normal(size=5) + rng.normal(size=1000)
datamodule = ArrayDataModule(x=x, y=y, task="regression", batch_size=64, normalize=None)


def train(**trainer_kwargs):
    pl.seed_everything(0, verbose=False)
    task = RegressionTask(model=MLP, model_kwargs={"in_features": 5, "out_features": 1, "hidden_dims": ()},
                          optimizer="sgd", lr=0.05)
    history, grad_norms = History(), GradientNormLogger()
    make_trainer(max_epochs=5, callbacks=[history, grad_norms], **trainer_kwargs).fit(task, datamodule=datamodule)
    return history, grad_norms


unclipped, unclipped_norms = train()
clipped, clipped_norms = train(gradient_clip_val=1.0)   # rescale the gradient to norm <= 1 before each step
print("train loss per epoch, no clipping:  ", [f"{loss:.3g}" for loss in unclipped["train_loss"]])
print("train loss per epoch, clipping at 1:", [f"{loss:.3g}" for loss in clipped["train_loss"]])
