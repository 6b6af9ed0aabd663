import math

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import LambdaCallback

from dlkit.callbacks import GradientNormLogger, History
from dlkit.data import ArrayDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import RegressionTask
from dlkit.training import make_trainer

rng = np.random.default_rng(0)
# features on a scale of 10, left unnormalised on purpose
x = 10 * rng.normal(size=(1000, 5))
y = x @ rng.normal(size=5) + rng.normal(size=1000)
datamodule = ArrayDataModule(x=x, y=y, task="regression", batch_size=64, normalize=None)


def train(data=datamodule, lr=0.05, **trainer_kwargs):
    """Linear regression with plain SGD for 5 epochs; returns the loss history and two
    gradient-norm records."""
    pl.seed_everything(0, verbose=False)
    task = RegressionTask(
        model=MLP,
        model_kwargs={"in_features": 5, "out_features": 1, "hidden_dims": ()},
        optimizer="sgd",
        lr=lr,
    )
    history = History()
    # weights_only=False: "total" is the norm over every
    # parameter (weights and bias), the norm Lightning clips.
    grad_norms = GradientNormLogger(weights_only=False)
    # The same number from torch's clip_grad_norm_, the function Lightning's
    # clipping calls; with max_norm=inf it only measures (it scales the gradient
    # by 1). Callbacks run before Lightning clips, so both see raw gradients.
    torch_norms = []
    measure = LambdaCallback(
        on_before_optimizer_step=lambda trainer, module, optimizer: torch_norms.append(
            torch.nn.utils.clip_grad_norm_(
                module.parameters(), max_norm=math.inf
            ).item()
        )
    )
    make_trainer(
        max_epochs=5, callbacks=[history, grad_norms, measure], **trainer_kwargs
    ).fit(task, datamodule=data)
    return history, grad_norms, torch_norms


unclipped, unclipped_norms, unclipped_torch_norms = train()
# rescale to norm <= 1 before each step
clipped, clipped_norms, clipped_torch_norms = train(gradient_clip_val=1.0)
print(
    "train loss per epoch, no clipping:  ",
    [f"{loss:.3g}" for loss in unclipped["train_loss"]],
)
print(
    "train loss per epoch, clipping at 1:",
    [f"{loss:.3g}" for loss in clipped["train_loss"]],
)
