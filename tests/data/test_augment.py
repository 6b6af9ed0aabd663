import pytest
import torch
from torch.utils.data import TensorDataset
from torchvision.transforms import v2

from dlkit.data import DigitsDataModule
from dlkit.data.augment import AugmentedDataModule, TransformedDataset


@pytest.fixture(scope="module")
def digits():
    return DigitsDataModule(as_images=True, seed=0)


def test_each_sample_gets_its_own_random_draw():
    data = TensorDataset(torch.arange(16.0).reshape(1, 1, 4, 4).repeat(64, 1, 1, 1), torch.zeros(64, dtype=torch.long))
    flipped = TransformedDataset(data, v2.RandomHorizontalFlip(p=0.5))
    torch.manual_seed(0)
    outcomes = {bool(torch.equal(flipped[i][0], data[i][0])) for i in range(64)}
    assert outcomes == {True, False}  # some flipped, some not: one draw per sample, not per batch


def test_same_subset_with_and_without_augmentation(digits):
    plain = AugmentedDataModule(datamodule=digits, transform=None, train_size=100, seed=3)
    rotated = AugmentedDataModule(datamodule=digits, transform=v2.RandomRotation((30, 30)), train_size=100, seed=3)
    assert torch.equal(plain.train_targets, rotated.train_targets)
    assert torch.bincount(plain.train_targets).tolist() == [10] * 10
    x_plain, _ = plain.train_set[0]
    assert torch.equal(x_plain, digits.train_set[plain.train_set.dataset.indices[0]][0])
    torch.manual_seed(0)
    assert not torch.equal(rotated.train_set[0][0], x_plain)


def test_validation_and_test_batches_are_the_wrapped_ones(digits):
    augmented = AugmentedDataModule(datamodule=digits, transform=v2.RandomRotation(30), batch_size=16)
    x_val, _ = next(iter(augmented.val_dataloader()))
    assert torch.equal(x_val, next(iter(digits.val_dataloader()))[0])
    assert len(augmented.train_set) == len(digits.train_set) and augmented.batch_size == 16
    x, y = next(iter(augmented.train_dataloader()))
    assert x.shape == (16, 1, 8, 8) and y.shape == (16,)


def test_bad_arguments_are_clear_errors(digits):
    with pytest.raises(ValueError, match=r"Expected train_size in \[1, 1257\], but got 5000"):
        AugmentedDataModule(datamodule=digits, train_size=5000)
    with pytest.raises(TypeError, match="Expected a data module with a train_set"):
        AugmentedDataModule(datamodule=object())
    with pytest.raises(TypeError, match="Expected a callable transform or None, but got int"):
        TransformedDataset(digits.train_set, 3)
