"""The image-dataset modules on tiny files written here in the real formats (nothing is downloaded)."""

import gzip
import pickle
import struct

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.transforms import v2

from dlkit.data.vision import (
    CIFAR10DataModule,
    FashionMNISTDataModule,
    ImageFolderDataModule,
    MNISTDataModule,
    expected_files,
)


def write_idx(path, array: np.ndarray) -> None:
    """The MNIST idx format: magic (0, 0, dtype 0x08 = ubyte, rank), each dimension big-endian, then the bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_mnist(root, folder="MNIST", n_train=40, n_test=20, seed=0):
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 50, size=(n, 28, 28))
        images[np.arange(n), labels, 5:20] = 255  # a bright row whose position is the label
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return images, labels


def write_cifar10(root, per_batch=10, n_test=20, seed=0):
    """Pickled dicts like the real batches: ``data`` (N, 3072) uint8 rows (R, G, B planes), ``labels``."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        n = n_test if name == "test_batch" else per_batch
        batch = {"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8), "labels": (np.arange(n) % 10).tolist()}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": list(CIFAR10DataModule.classes)}, f)
    return batch


def test_mnist_reads_idx_files_like_torchvision(tmp_path):
    images, labels = write_mnist(tmp_path)
    dm = MNISTDataModule(root=tmp_path, batch_size=8, val_fraction=0.25)
    assert [len(s) for s in (dm.train_set, dm.val_set, dm.test_set)] == [30, 10, 20]
    x, y = next(iter(dm.train_dataloader()))
    assert x.shape == (8, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    # the test split holds the t10k files, pixel for pixel (undo the normalisation)
    x_test, y_test = dm.test_set[3]
    pixels = (x_test * MNISTDataModule.std[0] + MNISTDataModule.mean[0]) * 255
    assert torch.allclose(pixels[0], torch.from_numpy(images[3]).float(), atol=1e-3)
    assert y_test == labels[3]


def test_split_is_seeded_stratified_and_disjoint(tmp_path):
    write_mnist(tmp_path, n_train=100)
    a = MNISTDataModule(root=tmp_path, val_fraction=0.2, seed=1)
    b = MNISTDataModule(root=tmp_path, val_fraction=0.2, seed=1)
    c = MNISTDataModule(root=tmp_path, val_fraction=0.2, seed=2)
    assert np.array_equal(a.split_indices["val"], b.split_indices["val"])
    assert not np.array_equal(a.split_indices["val"], c.split_indices["val"])
    assert not set(a.split_indices["train"]) & set(a.split_indices["val"])
    val_labels = [a.val_set[i][1] for i in range(len(a.val_set))]
    assert np.bincount(val_labels).tolist() == [2] * 10  # 10 of each digit, 20% of them


def test_train_transform_applies_to_training_split_only(tmp_path):
    write_mnist(tmp_path)
    flip = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.RandomHorizontalFlip(p=1.0)])
    dm = MNISTDataModule(root=tmp_path, val_fraction=0.25, train_transform=flip)
    index = int(dm.split_indices["train"][0])
    plain = dm.train_set.dataset.data[index].float() / 255
    assert torch.allclose(dm.train_set[0][0][0], plain.flip(-1))
    assert dm.val_set[0][0].min() < 0  # validation keeps the normalising transform


def test_fashion_mnist_uses_its_own_folder(tmp_path):
    write_mnist(tmp_path, folder="FashionMNIST")
    dm = FashionMNISTDataModule(root=tmp_path, val_fraction=0.25)
    assert dm.num_classes == 10 and len(dm.test_set) == 20
    with pytest.raises(FileNotFoundError, match="MNISTDataModule files"):
        MNISTDataModule(root=tmp_path)  # MNIST/raw is not there


def test_cifar10_reads_pickled_batches(tmp_path):
    test_batch = write_cifar10(tmp_path)
    dm = CIFAR10DataModule(root=tmp_path, batch_size=5, val_fraction=0.2, verify_checksums=False)
    assert [len(s) for s in (dm.train_set, dm.val_set, dm.test_set)] == [40, 10, 20]
    x, y = next(iter(dm.val_dataloader()))
    assert x.shape == (5, 3, 32, 32)
    # CHW planes as in the file: row 0 of the test batch, red plane first
    x0, y0 = dm.test_set[0]
    red = (x0[0] * CIFAR10DataModule.std[0] + CIFAR10DataModule.mean[0]) * 255
    assert torch.allclose(red.flatten(), torch.from_numpy(test_batch["data"][0, :1024]).float(), atol=1e-3)
    assert y0 == 0 and dm.test_set.classes[1] == "automobile"


def test_cifar10_checksums_are_verified_by_default(tmp_path):
    write_cifar10(tmp_path)
    with pytest.raises(RuntimeError, match="not found or corrupted"):  # torchvision's own MD5 check
        CIFAR10DataModule(root=tmp_path)
    assert len(CIFAR10DataModule(root=tmp_path, val_fraction=0.2, verify_checksums=False).test_set) == 20


@pytest.mark.parametrize("module", [MNISTDataModule, CIFAR10DataModule])
def test_missing_files_name_the_expected_files_and_the_fix(tmp_path, module):
    with pytest.raises(FileNotFoundError) as error:
        module(root=tmp_path)
    message = str(error.value)
    assert f"Expected the {module.__name__} files under {tmp_path}" in message
    assert str(expected_files(module.dataset_name, tmp_path)[0]) in message
    assert "download=True" in message


def test_bad_arguments_are_clear_errors(tmp_path):
    write_mnist(tmp_path)
    with pytest.raises(ValueError, match="Expected val_fraction in the open interval"):
        MNISTDataModule(root=tmp_path, val_fraction=1.5)
    with pytest.raises(ValueError, match="Expected dataset to be one of"):
        expected_files("imagenet", tmp_path)


def write_image_folder(root, per_class=10):
    colours = {"cat": (200, 60, 40), "dog": (40, 60, 200), "fox": (60, 200, 40)}
    rng = np.random.default_rng(0)
    for name, colour in colours.items():
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            noise = rng.integers(-30, 30, size=(12, 14, 3))
            pixels = np.clip(np.array(colour) + noise, 0, 255).astype(np.uint8)
            mode = "L" if i == 0 else "RGB"  # one greyscale file per class: served as 3 channels too
            Image.fromarray(pixels).convert(mode).save(root / name / f"{i:02d}.png")


def test_image_folder_classes_split_and_shapes(tmp_path):
    write_image_folder(tmp_path)
    dm = ImageFolderDataModule(root=tmp_path, image_size=16, batch_size=6, val_fraction=0.2, test_fraction=0.2, seed=0)
    assert dm.classes == ["cat", "dog", "fox"] and dm.num_classes == 3
    assert [len(s) for s in (dm.train_set, dm.val_set, dm.test_set)] == [18, 6, 6]
    test_labels = [dm.test_set[i][1] for i in range(len(dm.test_set))]
    assert np.bincount(test_labels).tolist() == [2, 2, 2]  # stratified
    x, y = next(iter(dm.train_dataloader()))
    assert x.shape == (6, 3, 16, 16) and y.dtype == torch.int64
    # the reddish "cat" images keep more red than blue (the greyscale one adds 0), normalisation undone
    std, mean = torch.tensor([0.229, 0.224, 0.225])[:, None, None], torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    cats = torch.stack([dm.test_set[i][0] * std + mean for i, label in enumerate(test_labels) if label == 0])
    assert (cats[:, 0] - cats[:, 2]).mean() > 0.3


def test_image_folder_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="Expected a folder with one sub-folder of images per class"):
        ImageFolderDataModule(root=tmp_path / "nowhere")
