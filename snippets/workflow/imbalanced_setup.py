import numpy as np
import pytorch_lightning as pl
import torch
from ISLP import load_data

from dlkit.data import ArrayDataModule
from dlkit.metrics import collect_predictions
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# 3 features, batches of 256: more threads would only wait on each other
torch.set_num_threads(1)
# 10,000 credit-card holders, read from the ISLP wheel
default = load_data("Default")
x = np.column_stack(
    [default["student"] == "Yes", default["balance"], default["income"]]
)
# 1: defaulted, the rare class
y = (default["default"] == "Yes").to_numpy(dtype=np.int64)
datamodule = ArrayDataModule(
    x=x, y=y, task="classification", batch_size=256, val_fraction=0.2, test_fraction=0.3
)
counts = datamodule.class_counts()
print(f"defaults: {y.sum()} of {len(y)} ({y.mean():.1%}); per split {counts}")


def fit(train_dataloader=None, **task_kwargs):
    """A small MLP trained for 15 epochs from the same seed; train_dataloader, if given,
    replaces the data module's training batches."""
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(
        model=MLP, num_classes=2, lr=1e-2,
        model_kwargs={"in_features": 3, "out_features": 2, "hidden_dims": (16,)},
        **task_kwargs,
    )
    trainer = make_trainer(max_epochs=15)
    if train_dataloader is None:
        trainer.fit(task, datamodule=datamodule)
    else:
        trainer.fit(task, train_dataloaders=train_dataloader,
                    val_dataloaders=datamodule.val_dataloader())
    return task


def scores(predicted, targets):
    """Accuracy, and recall and precision of the rare class (1)."""
    predicted, targets = np.asarray(predicted), np.asarray(targets)
    hits = ((predicted == 1) & (targets == 1)).sum()
    return {
        "accuracy": float((predicted == targets).mean()),
        "recall": float(hits / (targets == 1).sum()),
        "precision": float(hits / max((predicted == 1).sum(), 1)),
    }


def default_probability(task, split):
    """P(default) for every sample of the "val" or "test" split, and the true labels."""
    loader = getattr(datamodule, f"{split}_dataloader")()
    probabilities, targets = collect_predictions(task, loader)
    return probabilities[:, 1].cpu().numpy(), targets.cpu().numpy()
