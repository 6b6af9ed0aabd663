import pytest

from dlkit.data.seq2seq import NumberWordsDataModule, number_to_words


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "zero"), (13, "thirteen"), (20, "twenty"), (99, "ninety-nine"), (100, "one hundred"),
     (1001, "one thousand one"), (999999, "nine hundred ninety-nine thousand nine hundred ninety-nine")],
)
def test_number_to_words(n, words):
    assert number_to_words(n) == words


def test_splits_are_disjoint_and_padded():
    dm = NumberWordsDataModule(max_number=999, num_train=300, num_val=50, num_test=50)
    numbers = [set(dm.numbers[s].tolist()) for s in ("train", "val", "test")]
    assert not (numbers[0] & numbers[1]) and not (numbers[0] & numbers[2]) and not (numbers[1] & numbers[2])
    src, tgt = dm.train_set.tensors
    assert src.shape == (300, 3) and tgt.shape == (300, dm.max_tgt_len)
    assert (tgt[:, 0] == dm.bos_id).all()


def test_bad_sizes_are_clear_errors():
    with pytest.raises(ValueError, match="Expected positive split sizes"):
        NumberWordsDataModule(max_number=99, num_train=90, num_val=10, num_test=10)
    with pytest.raises(ValueError, match=r"Expected an integer in 0..999999"):
        number_to_words(-1)
