import numpy as np
import pytest
import torch

from dlkit.data import ArrayDataModule, DigitsDataModule, ToyDataModule, load_toy_dataset


def test_split_is_stratified_and_seeded():
    a, b = DigitsDataModule(seed=0), DigitsDataModule(seed=0)
    assert all(np.array_equal(a.split_indices[k], b.split_indices[k]) for k in ("train", "val", "test"))
    counts = a.class_counts()
    for split, total in (("train", 1257), ("val", 180), ("test", 360)):
        assert sum(counts[split]) == total
        assert max(counts[split]) - min(counts[split]) <= 0.05 * total  # each class near total/10
    assert not np.array_equal(DigitsDataModule(seed=1).split_indices["test"], a.split_indices["test"])


def test_splits_are_disjoint_and_cover_everything():
    dm = ToyDataModule(name="wine")
    parts = [set(dm.split_indices[k].tolist()) for k in ("train", "val", "test")]
    assert set().union(*parts) == set(range(178))
    assert sum(len(p) for p in parts) == 178


def test_normalisation_uses_training_statistics_only():
    x = np.concatenate([np.zeros((80, 2)), np.full((20, 2), 1000.0)])  # extreme values
    y = np.arange(100) % 2
    dm = ArrayDataModule(x=x + np.random.default_rng(0).normal(size=x.shape), y=y, task="classification")
    train_x = dm.train_set.tensors[0]
    assert torch.allclose(train_x.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(train_x.std(0, unbiased=False), torch.ones(2), atol=1e-4)
    raw_train = (x + np.random.default_rng(0).normal(size=x.shape))[dm.split_indices["train"]]
    np.testing.assert_allclose(dm.mean, raw_train.mean(0), rtol=1e-5)


def test_digit_images_use_one_global_statistic():
    dm = DigitsDataModule(as_images=True)
    assert dm.train_set.tensors[0].shape[1:] == (1, 8, 8)
    assert np.ndim(dm.mean) == 0
    assert abs(float(dm.train_set.tensors[0].mean())) < 1e-5


def test_regression_target_is_standardised_on_train():
    dm = ToyDataModule(name="diabetes")
    y = dm.train_set.tensors[1]
    assert abs(float(y.mean())) < 1e-5 and abs(float(y.std(unbiased=False)) - 1) < 1e-4
    _, raw_y, _ = load_toy_dataset("diabetes")
    np.testing.assert_allclose(dm.target_mean, raw_y[dm.split_indices["train"]].mean(), rtol=1e-6)


def test_batches_cover_the_training_set_once_per_epoch():
    dm = DigitsDataModule(batch_size=100)
    sizes = [len(y) for _, y in dm.train_dataloader()]
    assert sum(sizes) == 1257 and max(sizes) == 100


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"val_fraction": 0.0}, r"Expected val_fraction in the open interval \(0, 1\), but got 0.0"),
        ({"test_fraction": 1.5}, r"Expected test_fraction in the open interval \(0, 1\), but got 1.5"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "Expected val_fraction \\+ test_fraction < 1"),
        ({"batch_size": 0}, "Expected a positive batch_size"),
    ],
)
def test_bad_split_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DigitsDataModule(**kwargs)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match=r"Expected a dataset name in \['breast_cancer', .*\], but got 'mnist'"):
        ToyDataModule(name="mnist")


def test_nan_inputs_are_rejected_with_the_rows():
    x = np.ones((50, 3))
    x[[4, 7], 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity in 2 rows \(first: \[4, 7\]\)"):
        ArrayDataModule(x=x, y=np.arange(50) % 2)


def test_bad_shapes_and_labels():
    with pytest.raises(ValueError, match=r"Expected x of shape \(N, \.\.\.\) and y of shape \(N,\)"):
        ArrayDataModule(x=np.ones((10, 2)), y=np.ones(9, dtype=int))
    with pytest.raises(ValueError, match="Expected integer class ids"):
        ArrayDataModule(x=np.ones((10, 2)), y=np.linspace(0, 1, 10))
    with pytest.raises(ValueError, match="Expected task to be one of"):
        ArrayDataModule(x=np.ones((10, 2)), y=np.arange(10), task="ranking")
    with pytest.raises(ValueError, match="Expected input_shape with 4 values per sample"):
        ArrayDataModule(x=np.ones((10, 4)), y=np.arange(10) % 2, input_shape=(1, 3, 3))
