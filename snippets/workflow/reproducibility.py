import pytorch_lightning as pl
import torch

from dlkit.data import DigitsDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer


def train(seed, data_seed=0):
    """Train an MLP with dropout for 2 epochs.

    seed: weights and dropout, data_seed: split and order.
    """
    pl.seed_everything(seed, verbose=False)
    datamodule = DigitsDataModule(as_images=False, batch_size=64, seed=data_seed)
    task = ClassificationTask(
        model=MLP, num_classes=10, lr=3e-3,
        model_kwargs={"in_features": 64, "out_features": 10, "dropout": 0.2},
    )
    make_trainer(max_epochs=2, deterministic=True).fit(task, datamodule=datamodule)
    return torch.cat([p.detach().flatten() for p in task.parameters()])


first, second = train(seed=0), train(seed=0)
other_seed, other_order = train(seed=1), train(seed=0, data_seed=1)
print(f"same seed: identical weights {torch.equal(first, second)}")
print(f"another seed: largest weight difference {(first - other_seed).abs().max():.3f}")
print("another data order: largest weight difference "
      f"{(first - other_order).abs().max():.3f}")
