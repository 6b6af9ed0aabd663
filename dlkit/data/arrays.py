"""In-memory arrays as a ``LightningDataModule``: seeded (stratified) splits, normalisation fitted on train only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import TensorDataset

from dlkit.data.base import SplitDataModule, check_fractions, split_indices

__all__ = ["ArrayDataModule", "TASKS", "NORMALIZATIONS"]

TASKS = ("classification", "regression")
NORMALIZATIONS = ("feature", "global", None)


class ArrayDataModule(SplitDataModule):
    """Split arrays into train/validation/test sets and serve them as batches of tensors.

    The split is seeded and, for classification, stratified so each split keeps the class balance.
    Normalisation statistics are computed on the training split only and then applied to all three
    splits, so nothing about the validation or test data leaks into training.

    Args:
        x: inputs, shape ``(N, ...)``; must be finite (no NaN or infinity).
        y: targets, shape ``(N,)``: integer class ids for classification, numbers for regression.
        task: ``"classification"`` or ``"regression"``.
        batch_size: samples per training batch.
        val_fraction: fraction of all samples put in the validation split.
        test_fraction: fraction of all samples put in the test split.
        seed: seed of the split and of the training-batch order.
        normalize: ``"feature"`` standardises each feature, ``"global"`` uses one mean and standard deviation
            for all values (for images), ``None`` leaves inputs as they are.
        input_shape: optional shape of one sample, e.g. ``(1, 8, 8)``, that each flat row is reshaped to.
        standardize_target: for regression, standardise ``y`` with the training mean and standard deviation
            (``target_mean`` and ``target_std`` undo it).

    Example:
        >>> import numpy as np
        >>> from dlkit.data import ArrayDataModule
        >>> x = np.random.default_rng(0).normal(size=(100, 3))
        >>> y = np.arange(100) % 2
        >>> dm = ArrayDataModule(x=x, y=y, task="classification", val_fraction=0.1, test_fraction=0.2)
        >>> len(dm.train_set), len(dm.val_set), len(dm.test_set)
        (70, 10, 20)
        >>> dm.train_set.tensors[0].mean(dim=0).abs().max() < 1e-6  # standardised on train
        tensor(True)
    """

    def __init__(
        self,
        *,
        x: np.ndarray | torch.Tensor,
        y: np.ndarray | torch.Tensor,
        task: str = "classification",
        batch_size: int = 64,
        val_fraction: float = 0.1,
        test_fraction: float = 0.2,
        seed: int = 0,
        normalize: str | None = "feature",
        input_shape: Sequence[int] | None = None,
        standardize_target: bool = True,
    ) -> None:
        super().__init__(batch_size=batch_size, seed=seed)
        x = np.asarray(x, dtype=np.float32)
        y = np.asarray(y)
        if task not in TASKS:
            raise ValueError(f"Expected task to be one of {TASKS}, but got {task!r}")
        if normalize not in NORMALIZATIONS:
            raise ValueError(f"Expected normalize to be one of {NORMALIZATIONS}, but got {normalize!r}")
        check_fractions(val_fraction, test_fraction)
        if x.ndim < 2 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(
                f"Expected x of shape (N, ...) and y of shape (N,), but got {x.shape} and {y.shape}"
            )
        if not np.isfinite(x).all():
            bad = np.argwhere(~np.isfinite(x.reshape(len(x), -1)).all(axis=1)).ravel()
            raise ValueError(
                f"Expected finite inputs, but got NaN or infinity in {len(bad)} rows (first: {bad[:5].tolist()}); "
                "clean or impute them first"
            )
        if task == "classification" and not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"Expected integer class ids for classification, but got y of dtype {y.dtype}")
        if task == "regression" and not np.isfinite(y.astype(np.float64)).all():
            raise ValueError("Expected finite regression targets, but got NaN or infinity in y")
        if input_shape is not None and int(np.prod(input_shape)) != int(np.prod(x.shape[1:])):
            raise ValueError(
                f"Expected input_shape with {int(np.prod(x.shape[1:]))} values per sample, but got {tuple(input_shape)}"
            )

        self.task = task
        self.split_indices = split_indices(
            len(x), val_fraction=val_fraction, test_fraction=test_fraction, seed=seed,
            stratify=y if task == "classification" else None,
        )
        train, val, test = (self.split_indices[name] for name in ("train", "val", "test"))

        # Normalisation statistics from the training split only.
        x_train = x[train]
        if normalize == "feature":
            self.mean, self.std = x_train.mean(axis=0), x_train.std(axis=0)
        elif normalize == "global":
            self.mean, self.std = x_train.mean(), x_train.std()
        else:
            self.mean, self.std = np.float32(0.0), np.float32(1.0)
        self.std = np.where(self.std > 0, self.std, 1.0).astype(np.float32)  # constant features stay finite

        self.target_mean, self.target_std = 0.0, 1.0
        if task == "regression":
            y = y.astype(np.float32)
            if standardize_target:
                self.target_mean, self.target_std = float(y[train].mean()), float(y[train].std() or 1.0)
        self.input_shape = tuple(input_shape) if input_shape is not None else tuple(x.shape[1:])
        self.num_features = int(np.prod(self.input_shape))
        self.num_classes = int(y.max()) + 1 if task == "classification" else None

        def make(idx: np.ndarray) -> TensorDataset:
            inputs = torch.from_numpy((x[idx] - self.mean) / self.std).reshape(len(idx), *self.input_shape)
            if task == "classification":
                targets = torch.from_numpy(y[idx].astype(np.int64))
            else:
                targets = torch.from_numpy((y[idx] - self.target_mean) / self.target_std).float()
            return TensorDataset(inputs.float(), targets)

        self.train_set, self.val_set, self.test_set = make(train), make(val), make(test)

    def class_counts(self) -> dict[str, list[int]]:
        """Samples per class in each split (classification only)."""
        if self.task != "classification":
            raise ValueError(f"Expected a classification data module, but this one is for {self.task}")
        return {
            name: torch.bincount(ds.tensors[1], minlength=self.num_classes).tolist()
            for name, ds in (("train", self.train_set), ("val", self.val_set), ("test", self.test_set))
        }
