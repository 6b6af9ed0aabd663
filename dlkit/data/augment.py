"""Data augmentation for any data module: random transforms on the training samples only, one draw per sample.

``torchvision.transforms.v2`` transforms draw their random parameters once per call. Called on a whole batch they
would rotate every image of the batch by the same angle, so ``TransformedDataset`` applies the transform to each
sample separately. ``AugmentedDataModule`` wraps an existing data module: its training split (optionally a
smaller, stratified subset of it) goes through the transform, while validation and test batches come unchanged
from the wrapped module, so results with and without augmentation are measured on the same images.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import Dataset, Subset

from dlkit.data.base import SplitDataModule

__all__ = ["TransformedDataset", "AugmentedDataModule"]


class TransformedDataset(Dataset):
    """A dataset of ``(x, y)`` pairs whose ``x`` goes through ``transform`` each time it is read.

    Args:
        dataset: any dataset returning ``(x, y)`` pairs (e.g. a ``TensorDataset``).
        transform: a callable applied to ``x`` (e.g. ``v2.RandomRotation(15)``); ``None`` leaves ``x`` as it is.

    Example:
        >>> import torch
        >>> from torch.utils.data import TensorDataset
        >>> from torchvision.transforms import v2
        >>> from dlkit.data.augment import TransformedDataset
        >>> data = TensorDataset(torch.arange(4.0).reshape(1, 1, 2, 2), torch.tensor([3]))
        >>> x, y = TransformedDataset(data, v2.RandomHorizontalFlip(p=1.0))[0]
        >>> x.flatten().tolist(), int(y)
        ([1.0, 0.0, 3.0, 2.0], 3)
    """

    def __init__(self, dataset: Dataset, transform: Callable[[Any], Any] | None) -> None:
        if transform is not None and not callable(transform):
            raise TypeError(f"Expected a callable transform or None, but got {type(transform).__name__}")
        self.dataset, self.transform = dataset, transform

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        x, y = self.dataset[index]
        return (x if self.transform is None else self.transform(x)), y


class AugmentedDataModule(SplitDataModule):
    """Serve a data module's training split through a random transform; validation and test stay as they are.

    Args:
        datamodule: a data module with a ``train_set`` of ``(x, y)`` pairs and ``val_dataloader``/
            ``test_dataloader`` (every dlkit data module qualifies).
        transform: the augmentation, applied to each training sample on every read (so every epoch sees new
            variants); ``None`` serves the same samples unchanged, the baseline to compare with.
        train_size: keep only this many training samples, a seeded subset stratified by class (the same subset
            with or without ``transform``); ``None`` keeps all.
        batch_size: training batch size; default the wrapped module's ``batch_size``.
        seed: seed of the subset and of the training order.

    Example:
        >>> import torch
        >>> from torchvision.transforms import v2
        >>> from dlkit.data import DigitsDataModule
        >>> from dlkit.data.augment import AugmentedDataModule
        >>> digits = DigitsDataModule(as_images=True, seed=0)
        >>> augmented = AugmentedDataModule(datamodule=digits, transform=v2.RandomRotation(15), train_size=200)
        >>> len(augmented.train_set), augmented.num_classes
        (200, 10)
        >>> counts = torch.bincount(augmented.train_targets)  # stratified: each class keeps its ~10% share
        >>> counts.sum().item(), counts.min().item() >= 19, counts.max().item() <= 21
        (200, True, True)
        >>> x, y = next(iter(augmented.train_dataloader()))
        >>> tuple(x.shape), len(augmented.test_dataloader().dataset)
        ((64, 1, 8, 8), 360)
    """

    def __init__(
        self,
        *,
        datamodule: pl.LightningDataModule,
        transform: Callable[[Any], Any] | None = None,
        train_size: int | None = None,
        batch_size: int | None = None,
        seed: int = 0,
    ) -> None:
        if not hasattr(datamodule, "train_set"):
            raise TypeError(f"Expected a data module with a train_set, but got {type(datamodule).__name__}")
        super().__init__(batch_size=batch_size or getattr(datamodule, "batch_size", 64), seed=seed)
        self.datamodule = datamodule
        self.num_classes = getattr(datamodule, "num_classes", None)
        base = datamodule.train_set
        targets = torch.as_tensor([int(base[i][1]) for i in range(len(base))])
        index = np.arange(len(base))
        if train_size is not None:
            if not 0 < train_size <= len(base):
                raise ValueError(f"Expected train_size in [1, {len(base)}], but got {train_size}")
            if train_size < len(base):
                index, _ = train_test_split(index, train_size=train_size, random_state=seed, stratify=targets.numpy())
                index = np.sort(index)
        self.train_targets = targets[index]
        self.train_set = TransformedDataset(Subset(base, index.tolist()), transform)

    # Training batches come from SplitDataModule's loader; validation and test batches from the wrapped module.
    def val_dataloader(self) -> Any:
        return self.datamodule.val_dataloader()

    def test_dataloader(self) -> Any:
        return self.datamodule.test_dataloader()

    def predict_dataloader(self) -> Any:
        return self.datamodule.test_dataloader()
