"""The datasets that ship with scikit-learn (no download), as data modules."""

from __future__ import annotations

import numpy as np
from sklearn import datasets

from dlkit.data.arrays import ArrayDataModule

__all__ = ["DATASETS", "load_toy_dataset", "ToyDataModule", "DigitsDataModule"]

# name -> (scikit-learn loader, task)
DATASETS = {
    "digits": (datasets.load_digits, "classification"),
    "wine": (datasets.load_wine, "classification"),
    "breast_cancer": (datasets.load_breast_cancer, "classification"),
    "iris": (datasets.load_iris, "classification"),
    "diabetes": (datasets.load_diabetes, "regression"),
}


def load_toy_dataset(name: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Return ``(x, y, task)`` for one of scikit-learn's bundled datasets.

    Example:
        >>> from dlkit.data import load_toy_dataset
        >>> x, y, task = load_toy_dataset("wine")
        >>> x.shape, task
        ((178, 13), 'classification')
    """
    if name not in DATASETS:
        raise ValueError(f"Expected a dataset name in {sorted(DATASETS)}, but got {name!r}")
    loader, task = DATASETS[name]
    bunch = loader()
    return bunch.data.astype(np.float32), bunch.target, task


class ToyDataModule(ArrayDataModule):
    """A scikit-learn bundled table (wine, breast cancer, iris, diabetes, digits as vectors) as a data module.

    Features are standardised per column with training-split statistics; see ``ArrayDataModule`` for the
    split arguments.

    Example:
        >>> from dlkit.data import ToyDataModule
        >>> dm = ToyDataModule(name="breast_cancer", seed=0)
        >>> dm.task, dm.num_features, dm.num_classes
        ('classification', 30, 2)
        >>> ToyDataModule(name="diabetes").task
        'regression'
    """

    def __init__(
        self,
        *,
        name: str,
        batch_size: int = 64,
        val_fraction: float = 0.1,
        test_fraction: float = 0.2,
        seed: int = 0,
    ) -> None:
        x, y, task = load_toy_dataset(name)
        super().__init__(
            x=x, y=y, task=task, batch_size=batch_size, val_fraction=val_fraction,
            test_fraction=test_fraction, seed=seed, normalize="feature",
        )
        self.name = name


class DigitsDataModule(ArrayDataModule):
    """scikit-learn's 1,797 handwritten digits (8x8 greyscale, classes 0-9) as images or flat vectors.

    Pixels (0-16) are standardised with one mean and standard deviation computed on the training split.

    Args:
        as_images: ``True`` gives inputs of shape ``(1, 8, 8)``, ``False`` flat vectors of 64 values.
        batch_size, val_fraction, test_fraction, seed: see ``ArrayDataModule``.

    Example:
        >>> from dlkit.data import DigitsDataModule
        >>> dm = DigitsDataModule(as_images=True, seed=0)
        >>> x, y = next(iter(dm.train_dataloader()))
        >>> tuple(x.shape), tuple(y.shape)
        ((64, 1, 8, 8), (64,))
        >>> [len(s) for s in (dm.train_set, dm.val_set, dm.test_set)]
        [1257, 180, 360]
    """

    def __init__(
        self,
        *,
        as_images: bool = True,
        batch_size: int = 64,
        val_fraction: float = 0.1,
        test_fraction: float = 0.2,
        seed: int = 0,
    ) -> None:
        x, y, task = load_toy_dataset("digits")
        super().__init__(
            x=x, y=y, task=task, batch_size=batch_size, val_fraction=val_fraction, test_fraction=test_fraction,
            seed=seed, normalize="global", input_shape=(1, 8, 8) if as_images else (64,),
        )
