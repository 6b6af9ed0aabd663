import numpy as np
import pytorch_lightning as pl
from sklearn.linear_model import LogisticRegression

from dlkit.data import DigitsDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# one split for every model below
datamodule = DigitsDataModule(as_images=False, batch_size=128, seed=0)
x_train, y_train = (t.numpy() for t in datamodule.train_set.tensors)
x_test, y_test = (t.numpy() for t in datamodule.test_set.tensors)

# Classical ML: features designed by a person (ink
# per row and per column), then a linear model.
def hand_made(x):
    images = x.reshape(-1, 8, 8)  # (N, 64) -> (N, 8, 8)
    return np.concatenate([images.sum(axis=2), images.sum(axis=1)], axis=1)  # (N, 16)

results = {
    "hand-made features + linear": LogisticRegression(max_iter=2000)
    .fit(hand_made(x_train), y_train)
    .score(hand_made(x_test), y_test)
}

# The same linear model on raw pixels, and an
# MLP that learns its own features from them.
for name, hidden_dims in [
    ("raw pixels + linear", ()),
    ("raw pixels + MLP (deep learning)", (128, 64)),
]:
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(
        model=MLP,
        model_kwargs={
            "in_features": 64,
            "out_features": 10,
            "hidden_dims": hidden_dims,
        },
        num_classes=10,
        lr=1e-2,
    )
    trainer = make_trainer(max_epochs=15)
    trainer.fit(task, datamodule=datamodule)
    results[name] = trainer.test(
        task, datamodule=datamodule, verbose=False
    )[0]["test_acc"]
mlp = task.net  # the last model trained: the MLP

for name, acc in results.items():
    print(f"{name:34s} test accuracy {acc:.3f}")
