import numpy as np
import pytest
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import Dataset, TensorDataset

from dlkit.data import (
    ArrayDataModule,
    SplitDataModule,
    TensorDataModule,
    TextDataModule,
    check_fractions,
    make_dataloader,
    split_indices,
)


@pytest.mark.parametrize("seed", [0, 3])
def test_three_way_split_is_scikit_learns_two_stratified_draws(seed):
    labels = np.arange(200) % 3
    splits = split_indices(200, val_fraction=0.1, test_fraction=0.2, stratify=labels, seed=seed)
    rest, test = train_test_split(np.arange(200), test_size=0.2, random_state=seed, stratify=labels)
    train, val = train_test_split(rest, test_size=0.1 / 0.8, random_state=seed, stratify=labels[rest])  # 20 of 160
    for name, expected in (("train", train), ("val", val), ("test", test)):
        np.testing.assert_array_equal(splits[name], expected)
    assert sorted(np.concatenate(list(splits.values())).tolist()) == list(range(200))  # a partition
    for idx in splits.values():  # each split keeps the classes' shares (a third each, up to one sample)
        assert np.ptp(np.bincount(labels[idx], minlength=3)) <= 1


def test_two_way_split_and_unstratified_split():
    labels = np.repeat([0, 1], [90, 10])
    splits = split_indices(100, val_fraction=0.2, stratify=labels, seed=0)
    assert set(splits) == {"train", "val"} and np.bincount(labels[splits["val"]]).tolist() == [18, 2]
    plain = split_indices(100, val_fraction=0.2, test_fraction=0.3, seed=0)
    assert [len(plain[name]) for name in ("train", "val", "test")] == [50, 20, 30]  # 0.2 / 0.7 * 70 is 20 here
    assert len(train_test_split(np.arange(70), test_size=0.2 / 0.7)[1]) == 21  # float noise: ceil(20.000000000000004)


def test_data_modules_use_the_one_split():
    x, y = np.random.default_rng(0).normal(size=(120, 2)), np.arange(120) % 2
    dm = ArrayDataModule(x=x, y=y, val_fraction=0.25, test_fraction=0.25, seed=4)
    expected = split_indices(120, val_fraction=0.25, test_fraction=0.25, stratify=y, seed=4)
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(dm.split_indices[name], expected[name])
    texts, labels = [f"word{i % 7} other{i % 5}" for i in range(60)], ["a", "b"] * 30
    text_dm = TextDataModule(texts=texts, labels=labels, classes=("a", "b"), min_freq=1, seed=2)
    expected = split_indices(60, val_fraction=0.1, test_fraction=0.2, stratify=np.arange(60) % 2, seed=2)
    assert text_dm.texts["test"] == [texts[i] for i in expected["test"]]


@pytest.mark.parametrize(
    ("fractions", "message"),
    [
        ((0.0, 0.2), r"Expected val_fraction in the open interval \(0, 1\), but got 0.0"),
        ((0.1, 1.0), r"Expected test_fraction in the open interval \(0, 1\), but got 1.0"),
        ((0.6, 0.4), r"Expected val_fraction \+ test_fraction < 1, but got 0.6 \+ 0.4"),
    ],
)
def test_bad_fractions_are_clear_errors(fractions, message):
    with pytest.raises(ValueError, match=message):
        check_fractions(*fractions)
    with pytest.raises(ValueError, match=message):
        split_indices(10, val_fraction=fractions[0], test_fraction=fractions[1])


class _PerSample(Dataset):
    """A dataset that is not a TensorDataset: read one sample at a time."""

    def __init__(self, data: TensorDataset) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int):
        return self.data[i]


@pytest.mark.parametrize("wrap", [lambda data: data, _PerSample], ids=["whole-batch", "per-sample"])
def test_loader_factory_orders(wrap):
    data = wrap(TensorDataset(torch.arange(50.0)[:, None], torch.arange(50)))
    ordered = [y for _, y in make_dataloader(data, batch_size=8, shuffle=False)]
    assert [len(y) for y in ordered] == [8] * 6 + [2] and torch.equal(torch.cat(ordered), torch.arange(50))

    def epochs(seed: int) -> list[torch.Tensor]:
        loader = make_dataloader(data, batch_size=50, shuffle=True, seed=seed)
        return [next(iter(loader))[1] for _ in range(2)]  # two epochs of one loader

    first, second = epochs(3)
    assert sorted(first.tolist()) == list(range(50)) and not torch.equal(first, torch.arange(50))  # shuffled
    assert not torch.equal(first, second)  # a new permutation every epoch
    assert all(torch.equal(a, b) for a, b in zip(epochs(3), (first, second)))  # the same seed, the same orders


def test_split_data_module_serves_its_splits_and_says_what_is_missing():
    ids, labels = torch.randint(0, 10, (40, 6)), torch.randint(0, 2, (40,))
    dm = TensorDataModule(train=(ids[:30], labels[:30]), val=(ids[30:], labels[30:]), batch_size=16)
    assert isinstance(dm, SplitDataModule)
    assert [len(x) for x, _ in dm.val_dataloader()] == [10]
    with pytest.raises(ValueError, match="Expected a test split, but TensorDataModule was built without one"):
        dm.test_dataloader()
    with pytest.raises(ValueError, match="Expected a positive batch_size"):
        TensorDataModule(train=(ids,), val=(ids,), batch_size=0)
    with pytest.raises(ValueError, match="Expected num_workers >= 0, but got -1"):
        make_dataloader(TensorDataset(ids), batch_size=4, shuffle=False, num_workers=-1)
