"""What every dlkit data module shares: one fraction check, one seeded stratified split, one DataLoader factory,
and the base class ``SplitDataModule`` that serves ``train_set``/``val_set``/``test_set`` through it.

Read top to bottom: the checks, the split, the loader factory, the base class, then ``TensorDataModule`` (splits
that are already tensors: token ids, labels, windows of a series).
"""

from __future__ import annotations

import math

import numpy as np
import pytorch_lightning as pl
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler, TensorDataset

__all__ = ["check_fractions", "split_indices", "make_dataloader", "SplitDataModule", "TensorDataModule"]


def check_fractions(val_fraction: float, test_fraction: float | None = None) -> None:
    """Raise a clear ``ValueError`` unless each fraction lies in (0, 1) and together they leave training samples.

    Example:
        >>> from dlkit.data.base import check_fractions
        >>> check_fractions(0.1, 0.2)
        >>> check_fractions(0.5, 0.5)
        Traceback (most recent call last):
        ...
        ValueError: Expected val_fraction + test_fraction < 1, but got 0.5 + 0.5
    """
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if value is not None and not 0.0 < value < 1.0:
            raise ValueError(f"Expected {name} in the open interval (0, 1), but got {value}")
    if test_fraction is not None and val_fraction + test_fraction >= 1.0:
        raise ValueError(f"Expected val_fraction + test_fraction < 1, but got {val_fraction} + {test_fraction}")


def check_batch_size(batch_size: int) -> None:
    """Raise a clear ``ValueError`` unless ``batch_size`` is a positive integer."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"Expected a positive batch_size (an integer), but got {batch_size!r}")


def split_indices(
    num_samples: int,
    *,
    val_fraction: float,
    test_fraction: float | None = None,
    stratify: np.ndarray | None = None,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Seeded (and, given labels, stratified) split of ``range(num_samples)`` into train/validation(/test) indices.

    The test split is drawn first with ``test_fraction`` of all samples, then the validation split with
    ``val_fraction`` of all samples from what is left, each keeping the class shares of ``stratify``. With
    ``test_fraction=None`` there is no test split (a dataset whose official test set lies elsewhere).

    Args:
        num_samples: how many samples to split.
        val_fraction, test_fraction: shares of all samples (see ``check_fractions``).
        stratify: one class id per sample to keep the class shares in every split; ``None``: plain random split.
        seed: seed of the draws (scikit-learn's ``random_state``).

    Returns:
        ``{"train": ..., "val": ..., "test": ...}`` (``"test"`` only with a ``test_fraction``), sorted as drawn.

    Example:
        >>> import numpy as np
        >>> from dlkit.data.base import split_indices
        >>> labels = np.arange(100) % 4
        >>> splits = split_indices(100, val_fraction=0.2, test_fraction=0.2, stratify=labels, seed=0)
        >>> {name: len(idx) for name, idx in splits.items()}
        {'train': 60, 'val': 20, 'test': 20}
        >>> np.bincount(labels[splits["test"]]).tolist()  # each class keeps its quarter
        [5, 5, 5, 5]
    """
    check_fractions(val_fraction, test_fraction)
    if stratify is not None and len(stratify) != num_samples:
        raise ValueError(f"Expected one stratify label per sample ({num_samples}), but got {len(stratify)}")
    rest = np.arange(num_samples)
    splits = {}
    if test_fraction is not None:
        test_size = _count(test_fraction, num_samples)
        rest, splits["test"] = train_test_split(rest, test_size=test_size, random_state=seed, stratify=stratify)
    val_size = _count(val_fraction / (1.0 - (test_fraction or 0.0)), len(rest))  # a share of all, from the rest
    if not 0 < val_size < len(rest):
        raise ValueError(
            f"Expected fractions that leave samples in every split, but {num_samples} samples give {val_size} "
            f"validation samples out of {len(rest)}"
        )
    train, val = train_test_split(
        rest, test_size=val_size, random_state=seed, stratify=None if stratify is None else np.asarray(stratify)[rest]
    )
    return {"train": train, "val": val, **splits}


def _count(fraction: float, n: int) -> int:
    """scikit-learn's ``ceil(fraction * n)``, without float noise: ``0.2 / 0.7 * 70`` is 20, not 21."""
    return math.ceil(round(fraction * n, 9))


def make_dataloader(
    dataset: Dataset, *, batch_size: int, shuffle: bool, seed: int = 0, num_workers: int = 0
) -> DataLoader:
    """The one DataLoader factory: seeded shuffling for training, fixed order otherwise.

    A ``TensorDataset`` read in the main process is indexed a whole batch at a time (no per-sample collate), which
    keeps in-memory data fast; any other dataset goes through the usual per-sample loader. Training batches come
    in an order drawn from a generator seeded by ``seed``: the same seed repeats it, and every epoch draws a new
    permutation.

    Example:
        >>> import torch
        >>> from torch.utils.data import TensorDataset
        >>> from dlkit.data.base import make_dataloader
        >>> data = TensorDataset(torch.arange(10.0), torch.arange(10))
        >>> [len(x) for x, _ in make_dataloader(data, batch_size=4, shuffle=False)]
        [4, 4, 2]
        >>> first = next(iter(make_dataloader(data, batch_size=10, shuffle=True, seed=0)))[1]
        >>> torch.equal(first, next(iter(make_dataloader(data, batch_size=10, shuffle=True, seed=0)))[1])
        True
    """
    check_batch_size(batch_size)
    if num_workers < 0:
        raise ValueError(f"Expected num_workers >= 0, but got {num_workers}")
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    if isinstance(dataset, TensorDataset) and num_workers == 0:
        sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        return DataLoader(dataset, sampler=BatchSampler(sampler, batch_size, drop_last=False), batch_size=None)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator, num_workers=num_workers)


class SplitDataModule(pl.LightningDataModule):
    """Base of dlkit's data modules: subclasses fill ``train_set``, ``val_set`` and ``test_set`` (``None``: no test
    split); this class serves them through ``make_dataloader`` (seeded shuffling for training only).

    Args:
        batch_size: samples per batch.
        seed: seed of the training order (subclasses also use it for their split).
        num_workers: ``DataLoader`` worker processes (0: the main process).
    """

    train_set: Dataset
    val_set: Dataset
    test_set: Dataset | None = None

    def __init__(self, *, batch_size: int, seed: int = 0, num_workers: int = 0) -> None:
        super().__init__()
        check_batch_size(batch_size)
        if num_workers < 0:
            raise ValueError(f"Expected num_workers >= 0, but got {num_workers}")
        self.batch_size, self.seed, self.num_workers = int(batch_size), seed, num_workers

    def _loader(self, dataset: Dataset | None, *, shuffle: bool, split: str) -> DataLoader:
        if dataset is None:
            raise ValueError(f"Expected a {split} split, but {type(self).__name__} was built without one")
        return make_dataloader(
            dataset, batch_size=self.batch_size, shuffle=shuffle, seed=self.seed, num_workers=self.num_workers
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_set, shuffle=True, split="train")

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_set, shuffle=False, split="val")

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_set, shuffle=False, split="test")

    def predict_dataloader(self) -> DataLoader:
        return self.test_dataloader()


class TensorDataModule(SplitDataModule):
    """Pre-split tensors (token ids and labels, windows of a series and their targets, ...) served as shuffled
    (train) or ordered batches.

    Args:
        train, val, test: each a tuple of tensors with the same first dimension, e.g. ``(ids, labels)``;
            ``test`` may be ``None``.
        batch_size: samples per batch.
        seed: seed of the training-batch order.

    Example:
        >>> import torch
        >>> from dlkit.data import TensorDataModule
        >>> ids, labels = torch.randint(0, 10, (100, 8)), torch.randint(0, 2, (100,))
        >>> dm = TensorDataModule(train=(ids[:80], labels[:80]), val=(ids[80:], labels[80:]), batch_size=32)
        >>> [tuple(t.shape) for t in next(iter(dm.train_dataloader()))]
        [(32, 8), (32,)]
    """

    def __init__(
        self,
        *,
        train: tuple[torch.Tensor, ...],
        val: tuple[torch.Tensor, ...],
        test: tuple[torch.Tensor, ...] | None = None,
        batch_size: int = 64,
        seed: int = 0,
    ) -> None:
        super().__init__(batch_size=batch_size, seed=seed)
        for name, split in (("train", train), ("val", val), ("test", test)):
            if split is not None and len({len(t) for t in split}) != 1:
                raise ValueError(
                    f"Expected the tensors of the {name} split to have the same length, "
                    f"but got shapes {[tuple(t.shape) for t in split]}"
                )
        self.train_set = TensorDataset(*train)
        self.val_set = TensorDataset(*val)
        self.test_set = TensorDataset(*test) if test is not None else None
