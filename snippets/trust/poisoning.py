import numpy as np
import pytorch_lightning as pl
import torch
from sklearn.datasets import load_digits
from sklearn.neighbors import NearestNeighbors
from torch.utils.data import DataLoader, TensorDataset

from dlkit.data import ArrayDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

digits = load_digits()
data = ArrayDataModule(
    x=digits.data / 16.0,
    y=digits.target,
    normalize=None,
    input_shape=(1, 8, 8),
    batch_size=64,
    seed=0,
)
x_train, y_train = data.train_set.tensors  # (1257, 1, 8, 8) in [0, 1], (1257,)
x_test, y_test = data.test_set.tensors


def train_cnn(x, y):
    """The digits CNN of the explanations page, trained on (x, y), validated clean."""
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(
        model=CNN,
        model_kwargs={
            "in_channels": 1,
            "num_classes": 10,
            "image_size": 8,
            "channels": (16, 32),
            "hidden_dim": 64,
        },
        num_classes=10,
        lr=3e-3,
        scheduler="cosine",
        scheduler_kwargs={"T_max": 6},
    )
    train_loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    make_trainer(max_epochs=6).fit(
        task, train_dataloaders=train_loader, val_dataloaders=data.val_dataloader()
    )
    return task.net.eval()


def knn_disagrees(x, y, k=10):
    """Label sanitisation: flag each sample whose label differs from its k nearest
    neighbours' majority label (pixel distance)."""
    flat = x.reshape(len(x), -1).numpy()
    _, neighbours = NearestNeighbors(n_neighbors=k + 1).fit(flat).kneighbors(flat)
    votes = y.numpy()[
        neighbours[:, 1:]
    ]  # (N, k): the first neighbour is the sample itself
    majority = np.array([np.bincount(v, minlength=10).argmax() for v in votes])
    return torch.from_numpy(majority != y.numpy())


clean_net = train_cnn(x_train, y_train)
with torch.no_grad():
    clean_predictions = clean_net(x_test).argmax(dim=1)
clean_acc = (clean_predictions == y_test).float().mean()
print(f"clean training data: test accuracy {clean_acc:.3f}")
