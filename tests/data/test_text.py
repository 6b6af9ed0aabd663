import pytest
import torch

from dlkit.data.sequences import long_range_sequences
from dlkit.data.text import TextDataModule, TweetsDataModule, WordVocabulary, load_tweets, pad_sequences, tokenize


def test_tokenize_keeps_inner_apostrophes():
    assert tokenize("Don't PANIC, it's 42!") == ["don't", "panic", "it's", "42"]
    with pytest.raises(TypeError, match="Expected a string, but got int"):
        tokenize(42)


def test_vocabulary_min_freq_and_unknown_words():
    vocab = WordVocabulary([["a", "b", "a"], ["a", "c"]], min_freq=2)
    assert vocab.tokens == ["<pad>", "<unk>", "a"]
    assert vocab.encode(["a", "b", "zzz"]) == [2, 1, 1]
    assert WordVocabulary([["a", "b", "a", "c", "c", "c"]], max_size=2).tokens == ["<pad>", "<unk>", "a", "c"]
    with pytest.raises(ValueError, match="Expected min_freq >= 1, but got 0"):
        WordVocabulary([["a"]], min_freq=0)


def test_pad_sequences_truncates_and_rejects_empty():
    tokens, lengths = pad_sequences([[1, 2, 3], [4]], max_len=2, pad_id=0)
    assert tokens.tolist() == [[1, 2], [4, 0]] and lengths.tolist() == [2, 1]
    with pytest.raises(ValueError, match=r"Expected at least one token per sequence, but sequences \[1\] are empty"):
        pad_sequences([[1], []], max_len=3)


TEXTS = ["great fun", "awful plot", "great cast", "awful", "fun fun", "plot holes", "!!!"] * 5
LABELS = ["pos", "neg", "pos", "neg", "pos", "neg", "pos"] * 5


def test_text_datamodule_splits_and_vocabulary_from_train_only():
    dm = TextDataModule(texts=TEXTS, labels=LABELS, classes=("neg", "pos"), min_freq=1, val_fraction=0.2, test_fraction=0.2)
    assert dm.num_dropped == 5  # "!!!" has no token
    assert len(dm.train_set) + len(dm.val_set) + len(dm.test_set) == 30
    train_words = {w for text in dm.texts["train"] for w in tokenize(text)}
    assert set(dm.vocab.tokens[2:]) == train_words
    tokens, y = dm.train_set.tensors
    assert tokens.dtype == torch.int64 and y.dtype == torch.int64
    assert dm.unknown_rate("train") == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"labels": ["pos", "meh"] * 15 + ["pos"] * 5}, r"Expected labels among \('neg', 'pos'\), but got unknown labels \['meh'\]"),
        ({"labels": ["pos"]}, "Expected one label per text, but got 35 texts and 1 labels"),
        ({"classes": ("pos", "pos")}, "Expected at least two distinct classes"),
        ({"test_fraction": 0.0}, r"Expected test_fraction in the open interval \(0, 1\)"),
    ],
    ids=["unknown-label", "count", "classes", "fraction"],
)
def test_text_datamodule_bad_input(kwargs, message):
    arguments = {"texts": TEXTS, "labels": LABELS, "classes": ("neg", "pos"), **kwargs}
    with pytest.raises(ValueError, match=message):
        TextDataModule(**arguments)


def test_tweets():
    texts, labels = load_tweets(("neutral", "positive"))
    assert len(texts) == len(labels) == 15018 + 6954
    with pytest.raises(ValueError, match="Expected two or three distinct classes among"):
        load_tweets(("positive",))
    dm = TweetsDataModule(classes=("negative", "neutral", "positive"), num_samples=300, batch_size=32)
    assert dm.num_classes == 3 and set(dm.labels["train"].tolist()) == {0, 1, 2}
    assert dm.train_set.tensors[0].shape[1] <= 40
    with pytest.raises(ValueError, match="Expected num_samples in 1..23140, but got 0"):
        TweetsDataModule(num_samples=0)


def test_long_range_sequences():
    x, y = long_range_sequences(num_samples=50, max_len=8, num_classes=3, num_noise_symbols=2, seed=1)
    assert x.shape == (50, 8, 5) and set(y.tolist()) <= {0, 1, 2}
    assert (x.sum(axis=2) == 1).all()
    with pytest.raises(ValueError, match="Expected num_samples >= 1, max_len >= 2"):
        long_range_sequences(num_samples=10, max_len=1)
