import time

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch
from sklearn.datasets import load_digits
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

from dlkit.data import TensorDataModule
from dlkit.metrics import collect_predictions
from dlkit.models.cnn import CNN
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

torch.set_num_threads(1)  # 8x8 images in batches of 64: extra threads only wait
digits = load_digits()
x = digits.data / 16  # (1797, 64) pixels in [0, 1]; a fixed scale, nothing fitted
y = digits.target
# One stratified 80/20 split for every model.
x_train, x_test, y_train, y_test = train_test_split(
    x, y, test_size=0.2, stratify=y, random_state=0
)

classical = {
    "majority class": DummyClassifier(strategy="most_frequent"),
    "logistic regression": LogisticRegression(max_iter=2000),
    "3-nearest neighbours": KNeighborsClassifier(n_neighbors=3),
    "random forest": RandomForestClassifier(n_estimators=200, random_state=0),
}
rows = []
for name, model in classical.items():
    start = time.process_time()
    # one BLAS thread: on data this small, more threads only wait on each other
    with threadpool_limits(limits=1):
        accuracy = model.fit(x_train, y_train).score(x_test, y_test)
    rows.append((name, accuracy, time.process_time() - start))


def train_network(model, model_kwargs, shape, epochs):
    """Train a dlkit network on the training split for a fixed number of epochs.

    Returns its test accuracy. Nothing is selected on the test split.
    """
    pl.seed_everything(0, verbose=False)

    def as_tensors(features, labels):
        features = torch.tensor(features, dtype=torch.float32).reshape(-1, *shape)
        return features, torch.tensor(labels)

    test = as_tensors(x_test, y_test)
    datamodule = TensorDataModule(train=as_tensors(x_train, y_train), val=test,
                                  batch_size=64)
    task = ClassificationTask(model=model, num_classes=10, lr=3e-3,
                              model_kwargs=model_kwargs)
    # fixed epochs and no validation loop: the test split is only read at the end
    trainer = make_trainer(max_epochs=epochs, limit_val_batches=0)
    trainer.fit(task, datamodule=datamodule)
    probabilities, _ = collect_predictions(task, datamodule.val_dataloader())
    return (probabilities.argmax(dim=1) == test[1]).float().mean().item()


networks = {  # name: (network, its arguments, input shape, epochs)
    "dlkit MLP": (MLP, {"in_features": 64, "out_features": 10}, (64,), 15),
    "dlkit CNN": (CNN, {"channels": (16, 32), "hidden_dim": 64}, (1, 8, 8), 15),
}
for name, (model, model_kwargs, shape, epochs) in networks.items():
    start = time.process_time()
    accuracy = train_network(model, model_kwargs, shape, epochs)
    rows.append((name, accuracy, time.process_time() - start))

table = pd.DataFrame(rows, columns=["model", "test accuracy", "CPU seconds"])
table = table.set_index("model")
print(table.round(4).to_string())
