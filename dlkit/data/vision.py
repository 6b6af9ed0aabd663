"""Image datasets on disk as ``LightningDataModule``s: MNIST, Fashion-MNIST, CIFAR-10 and any image folder.

The three benchmark modules wrap ``torchvision.datasets`` and **never download**: they read the files that
torchvision's own ``download=True`` leaves on disk, and say which files are missing (and how to get them) when
they are not there. The official training set is split, seeded, into training and validation sets; the official
test set stays the test set. ``ImageFolderDataModule`` reads a tree ``root/<class name>/<image>`` with
``torchvision.datasets.ImageFolder`` and splits it stratified into train/validation/test.

Every module takes an ``eval_transform`` (applied to all splits; default: to a float tensor, then normalised with
the dataset's usual per-channel statistics) and an optional ``train_transform`` that replaces it for the training
split only, which is where data augmentation goes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Subset
from torchvision import datasets
from torchvision.transforms import v2

from dlkit.data.base import SplitDataModule, check_fractions, split_indices

__all__ = [
    "VisionDataModule",
    "MNISTDataModule",
    "FashionMNISTDataModule",
    "CIFAR10DataModule",
    "ImageFolderDataModule",
    "expected_files",
]


def _to_tensor(mean: Sequence[float], std: Sequence[float]) -> v2.Compose:
    """PIL image -> float tensor in [0, 1] -> normalised with ``mean`` and ``std`` per channel."""
    return v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean=mean, std=std)])


class _CIFAR10Unverified(datasets.CIFAR10):
    """``torchvision.datasets.CIFAR10`` that checks the batch files exist but not their MD5 checksums.

    torchvision refuses any ``cifar-10-batches-py`` whose files differ from the published ones, so files written
    in the same format (a test's tiny set, a re-packed subset) need the checksum test switched off. Only the two
    integrity checks change; reading the pickled batches is torchvision's own code.
    """

    meta = {**datasets.CIFAR10.meta, "md5": None}  # check_integrity(path, None) only tests that the file exists

    def _check_integrity(self) -> bool:
        folder = Path(self.root) / self.base_folder
        return all((folder / name).is_file() for name, _ in self.train_list + self.test_list)


def expected_files(dataset: str, root: str | Path) -> list[Path]:
    """The files a benchmark module reads under ``root`` (what torchvision's ``download=True`` writes there).

    Args:
        dataset: ``"mnist"``, ``"fashion_mnist"`` or ``"cifar10"``.
        root: the data folder passed to the data module.

    Example:
        >>> from dlkit.data.vision import expected_files
        >>> [path.as_posix() for path in expected_files("mnist", "data")][:2]
        ['data/MNIST/raw/train-images-idx3-ubyte', 'data/MNIST/raw/train-labels-idx1-ubyte']
        >>> len(expected_files("cifar10", "data"))
        7
    """
    root = Path(root)
    if dataset in ("mnist", "fashion_mnist"):
        folder = root / ("MNIST" if dataset == "mnist" else "FashionMNIST") / "raw"
        names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        return [folder / name for name in names]
    if dataset == "cifar10":
        folder = root / "cifar-10-batches-py"
        return [folder / f"data_batch_{i}" for i in range(1, 6)] + [folder / "test_batch", folder / "batches.meta"]
    raise ValueError(f"Expected dataset to be one of ['cifar10', 'fashion_mnist', 'mnist'], but got {dataset!r}")


class VisionDataModule(SplitDataModule):
    """Base of the benchmark modules: a torchvision dataset class, its files, its statistics and its classes.

    Subclasses set ``dataset_name`` (for ``expected_files``), ``dataset_class``, ``mean``, ``std``,
    ``image_shape`` and ``classes``. The constructor loads both official splits from disk at once (they are
    small: 50-60k images) and splits the official training set into training and validation sets.

    Args:
        root: folder holding the files (see ``expected_files``); nothing is downloaded.
        batch_size: images per batch.
        val_fraction: share of the official training set held out for validation (seeded, stratified).
        seed: seed of the split and of the training order.
        eval_transform: transform of every split; default: float tensor normalised with ``mean`` and ``std``.
        train_transform: transform of the training split only (augmentation); default ``eval_transform``.
        num_workers: ``DataLoader`` worker processes.
        verify_checksums: compare files with the published MD5 checksums where torchvision does (CIFAR-10).
            Set it ``False`` for files you wrote yourself in the same format.

    Raises:
        FileNotFoundError: when a file is missing; the message lists the expected files and how to get them.
    """

    dataset_name: str
    dataset_class: type[Dataset]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    image_shape: tuple[int, int, int]
    classes: tuple[str, ...]

    def __init__(
        self,
        *,
        root: str | Path,
        batch_size: int = 128,
        val_fraction: float = 0.1,
        seed: int = 0,
        eval_transform: Callable[[Any], torch.Tensor] | None = None,
        train_transform: Callable[[Any], torch.Tensor] | None = None,
        num_workers: int = 0,
        verify_checksums: bool = True,
    ) -> None:
        super().__init__(batch_size=batch_size, seed=seed, num_workers=num_workers)
        check_fractions(val_fraction)
        self.root = Path(root)
        missing = [path for path in expected_files(self.dataset_name, self.root) if not path.is_file()]
        if missing:
            raise FileNotFoundError(
                f"Expected the {type(self).__name__} files under {self.root}, but {len(missing)} are missing: "
                f"{[str(path) for path in missing]}. dlkit never downloads; where you are online, fetch them once "
                f"with torchvision.datasets.{self.dataset_class.__name__}(root={str(self.root)!r}, download=True)"
            )
        eval_transform = eval_transform or _to_tensor(self.mean, self.std)
        train_transform = train_transform or eval_transform
        dataset_class = self.dataset_class
        if not verify_checksums and dataset_class is datasets.CIFAR10:
            dataset_class = _CIFAR10Unverified
        train_full = dataset_class(root=self.root, train=True, transform=train_transform, download=False)
        train_eval = dataset_class(root=self.root, train=True, transform=eval_transform, download=False)
        self.test_set = dataset_class(root=self.root, train=False, transform=eval_transform, download=False)

        targets = np.asarray(train_full.targets)
        self.split_indices = split_indices(len(targets), val_fraction=val_fraction, stratify=targets, seed=seed)
        self.train_set = Subset(train_full, self.split_indices["train"].tolist())
        self.val_set = Subset(train_eval, self.split_indices["val"].tolist())  # validation images are never augmented
        self.num_classes = len(self.classes)


class MNISTDataModule(VisionDataModule):
    """MNIST: 70,000 handwritten digits, 28x28 greyscale, 10 classes (60,000 training, 10,000 test).

    Reads ``<root>/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``, the files
    ``torchvision.datasets.MNIST(root, download=True)`` writes. Batches are ``(N, 1, 28, 28)`` floats normalised
    with MNIST's mean 0.1307 and standard deviation 0.3081, and ``(N,)`` class ids. See ``VisionDataModule``
    for the arguments.

    Example:
        >>> from dlkit.data.vision import MNISTDataModule
        >>> MNISTDataModule.image_shape, len(MNISTDataModule.classes)
        ((1, 28, 28), 10)
    """

    dataset_name = "mnist"
    dataset_class = datasets.MNIST
    mean, std = (0.1307,), (0.3081,)
    image_shape = (1, 28, 28)
    classes = tuple(str(digit) for digit in range(10))


class FashionMNISTDataModule(VisionDataModule):
    """Fashion-MNIST: 70,000 28x28 greyscale photos of clothes in 10 classes, a drop-in for MNIST.

    Reads ``<root>/FashionMNIST/raw/`` (same four idx-ubyte file names as MNIST). See ``VisionDataModule``.

    Example:
        >>> from dlkit.data.vision import FashionMNISTDataModule
        >>> FashionMNISTDataModule.classes[:3]
        ('T-shirt/top', 'Trouser', 'Pullover')
    """

    dataset_name = "fashion_mnist"
    dataset_class = datasets.FashionMNIST
    mean, std = (0.2860,), (0.3530,)
    image_shape = (1, 28, 28)
    classes = tuple(datasets.FashionMNIST.classes)


class CIFAR10DataModule(VisionDataModule):
    """CIFAR-10: 60,000 32x32 colour images in 10 classes (50,000 training in 5 batches, 10,000 test).

    Reads the pickled batches in ``<root>/cifar-10-batches-py/`` (``data_batch_1`` ... ``data_batch_5``,
    ``test_batch``, ``batches.meta``), what ``torchvision.datasets.CIFAR10(root, download=True)`` unpacks.
    torchvision checks each file's MD5 against the published one; ``verify_checksums=False`` checks only that
    the files exist (for files written in the same format, e.g. by a test). See ``VisionDataModule``.

    Example:
        >>> from dlkit.data.vision import CIFAR10DataModule
        >>> CIFAR10DataModule.image_shape, CIFAR10DataModule.classes[:2]
        ((3, 32, 32), ('airplane', 'automobile'))
    """

    dataset_name = "cifar10"
    dataset_class = datasets.CIFAR10
    mean, std = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
    image_shape = (3, 32, 32)
    classes = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class ImageFolderDataModule(SplitDataModule):
    """Images sorted into one folder per class, ``root/<class name>/<file>.png|jpg|...``, split stratified.

    Class ids follow the sorted folder names (``torchvision.datasets.ImageFolder``). Every image is resized to
    ``image_size`` x ``image_size``, converted to RGB floats in [0, 1] and normalised with ``mean`` and ``std``
    (ImageNet's statistics by default, what ImageNet-pretrained networks expect).

    Args:
        root: the folder holding one sub-folder per class.
        image_size: side of the square images the module serves.
        batch_size: images per batch.
        val_fraction, test_fraction: shares of all images in the validation and test splits.
        seed: seed of the split and of the training order.
        mean, std: per-channel normalisation statistics.
        train_transform: transform of the training images instead of the evaluation one (augmentation); it
            receives a PIL image and must return a tensor.
        num_workers: ``DataLoader`` worker processes.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from PIL import Image
        >>> from dlkit.data.vision import ImageFolderDataModule
        >>> root = Path(tempfile.mkdtemp())
        >>> for name, colour in (("red", (255, 0, 0)), ("blue", (0, 0, 255))):
        ...     (root / name).mkdir()
        ...     for i in range(10):
        ...         Image.new("RGB", (20, 16), colour).save(root / name / f"{i}.png")
        >>> dm = ImageFolderDataModule(root=root, image_size=16, batch_size=4, val_fraction=0.2, test_fraction=0.2)
        >>> dm.classes, [len(split) for split in (dm.train_set, dm.val_set, dm.test_set)]
        (['blue', 'red'], [12, 4, 4])
        >>> x, y = next(iter(dm.train_dataloader()))
        >>> tuple(x.shape), y.dtype
        ((4, 3, 16, 16), torch.int64)
    """

    def __init__(
        self,
        *,
        root: str | Path,
        image_size: int = 224,
        batch_size: int = 32,
        val_fraction: float = 0.1,
        test_fraction: float = 0.2,
        seed: int = 0,
        mean: Sequence[float] = (0.485, 0.456, 0.406),
        std: Sequence[float] = (0.229, 0.224, 0.225),
        train_transform: Callable[[Any], torch.Tensor] | None = None,
        num_workers: int = 0,
    ) -> None:
        super().__init__(batch_size=batch_size, seed=seed, num_workers=num_workers)
        check_fractions(val_fraction, test_fraction)
        self.root = Path(root)
        if not self.root.is_dir() or not any(child.is_dir() for child in self.root.iterdir()):
            raise FileNotFoundError(
                f"Expected a folder with one sub-folder of images per class at {self.root}, but found none"
            )
        eval_transform = v2.Compose(
            [v2.ToImage(), v2.Resize((image_size, image_size), antialias=True), v2.ToDtype(torch.float32, scale=True),
             v2.Normalize(mean=list(mean), std=list(std))]
        )
        def rgb(path: str) -> Any:  # grey or RGBA files become 3-channel images
            return datasets.folder.default_loader(path).convert("RGB")

        eval_folder = datasets.ImageFolder(self.root, transform=eval_transform, loader=rgb)
        train_folder = datasets.ImageFolder(self.root, transform=train_transform or eval_transform, loader=rgb)
        self.classes: list[str] = eval_folder.classes
        self.num_classes = len(self.classes)
        targets = np.asarray(eval_folder.targets)
        self.split_indices = split_indices(
            len(targets), val_fraction=val_fraction, test_fraction=test_fraction, stratify=targets, seed=seed
        )
        self.train_set = Subset(train_folder, self.split_indices["train"].tolist())
        self.val_set = Subset(eval_folder, self.split_indices["val"].tolist())
        self.test_set = Subset(eval_folder, self.split_indices["test"].tolist())
