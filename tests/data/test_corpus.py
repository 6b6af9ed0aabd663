import pytest
import torch

from dlkit.data import TensorDataModule
from dlkit.data.corpus import (
    CharCorpusDataModule,
    Vocabulary,
    python_reference_corpus,
    site_pages_corpus,
    text_windows,
)


def test_python_reference_is_offline_text():
    corpus = python_reference_corpus(["if", "for"])
    assert list(corpus) == ["if", "for"] and all(len(text) > 500 for text in corpus.values())
    with pytest.raises(ValueError, match="unknown"):
        python_reference_corpus(["no-such-topic"])


def test_site_pages_corpus_needs_a_docs_folder(tmp_path):
    with pytest.raises(ValueError, match="Expected the site's docs/ folder"):
        site_pages_corpus(tmp_path / "missing")


def test_vocabulary_round_trip_and_unknowns():
    vocab = Vocabulary("abc", specials=["<pad>", "<unk>"], unk="<unk>")
    assert vocab.decode(vocab.encode("cab")) == "cab"
    assert vocab.encode("z") == [vocab["<unk>"]]
    with pytest.raises(ValueError, match="unknown tokens"):
        Vocabulary("abc").encode("abz")
    with pytest.raises(ValueError, match=r"Expected ids in 0..2"):
        Vocabulary("abc").decode([3])


def test_windows_and_shifted_targets():
    dm = CharCorpusDataModule(text="0123456789" * 30, max_len=9, val_fraction=0.2)
    x, y = dm.train_set.tensors
    assert torch.equal(x[:, 1:], y[:, :-1])
    with pytest.raises(ValueError, match="Expected a text long enough"):
        CharCorpusDataModule(text="abc", max_len=9)
    with pytest.raises(ValueError, match="Expected 1 <= window"):
        text_windows("ab", Vocabulary("ab"), window=3)


def test_token_data_module_checks_lengths():
    with pytest.raises(ValueError, match="same length"):
        TensorDataModule(train=(torch.zeros(3, 2), torch.zeros(4)), val=(torch.zeros(1, 2), torch.zeros(1)))
