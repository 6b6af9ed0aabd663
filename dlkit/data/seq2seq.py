"""A generated sequence-to-sequence task: write numbers in words, ``"312"`` -> ``"three hundred twelve"``.

The source is a number's digits (one token per digit), zero-padded to a fixed width so that a position always means
the same place value (``"0312"`` when numbers go up to 9999); the target is its English words, with the hyphen of
``"twenty-one"`` as a token of its own (``twenty - one``), so a model can compose the words it has seen.
Numbers are drawn without replacement, so validation and test numbers are never seen in training: solving them
takes the rules, not memory.
"""

from __future__ import annotations

import numpy as np
import torch

from dlkit.data.base import TensorDataModule
from dlkit.data.corpus import Vocabulary

__all__ = ["number_to_words", "number_tokens", "NumberWordsDataModule", "PAD", "BOS", "EOS"]

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_to_words(n: int) -> str:
    """English words for ``0 <= n < 1,000,000``, e.g. ``"seven thousand three hundred forty-two"``.

    Example:
        >>> from dlkit.data.seq2seq import number_to_words
        >>> [number_to_words(n) for n in (0, 15, 40, 312, 7042)]
        ['zero', 'fifteen', 'forty', 'three hundred twelve', 'seven thousand forty-two']
    """
    if not isinstance(n, (int, np.integer)) or not 0 <= n < 1_000_000:
        raise ValueError(f"Expected an integer in 0..999999, but got {n!r}")

    def below_thousand(m: int) -> list[str]:
        words = []
        if m >= 100:
            words += [_ONES[m // 100], "hundred"]
            m %= 100
        if m >= 20:
            words.append(_TENS[m // 10] + (f"-{_ONES[m % 10]}" if m % 10 else ""))
        elif m > 0:
            words.append(_ONES[m])
        return words

    if n == 0:
        return "zero"
    words = (below_thousand(n // 1000) + ["thousand"] if n >= 1000 else []) + below_thousand(n % 1000)
    return " ".join(words)


def number_tokens(n: int, width: int = 1) -> tuple[list[str], list[str]]:
    """Source and target tokens of one example: the digits zero-padded to ``width``, and the words with hyphens
    split off.

    Example:
        >>> from dlkit.data.seq2seq import number_tokens
        >>> number_tokens(321, width=4)
        (['0', '3', '2', '1'], ['three', 'hundred', 'twenty', '-', 'one'])
    """
    return list(str(n).zfill(width)), number_to_words(n).replace("-", " - ").split()


class NumberWordsDataModule(TensorDataModule):
    """Digits -> English words, as padded id tensors ``(src, tgt)``; ``tgt`` is ``<bos> words <eos>`` then padding.

    Sources are zero-padded to the width of ``max_number`` (no padding tokens needed). One shared ``Vocabulary`` holds ``<pad>`` (id 0), ``<bos>``, ``<eos>``, the ten digits and the words.

    Args:
        max_number: numbers are drawn from ``0..max_number`` (at most 999,999).
        num_train, num_val, num_test: distinct numbers per split (drawn without replacement).
        batch_size, seed: see ``dlkit.data.base.TensorDataModule``; ``seed`` also draws the numbers.

    Attributes:
        vocab: the shared vocabulary; ``pad_id``, ``bos_id``, ``eos_id`` its special ids.
        numbers: the numbers of each split, ``{"train": array, "val": ..., "test": ...}``.
        max_src_len, max_tgt_len: padded lengths of sources and targets.

    Example:
        >>> from dlkit.data.seq2seq import NumberWordsDataModule, number_tokens
        >>> dm = NumberWordsDataModule(max_number=999, num_train=500, num_val=100, num_test=100, seed=0)
        >>> src, tgt = dm.train_set[0]
        >>> n = int(dm.numbers["train"][0])   # which number comes first depends on the seed
        >>> dm.vocab.decode(src) == str(n).zfill(3)
        True
        >>> words = tgt[tgt != dm.pad_id]   # <bos> words <eos>, then padding
        >>> dm.vocab.decode(words, sep=" ") == " ".join(["<bos>", *number_tokens(n)[1], "<eos>"])
        True
        >>> " ".join(number_tokens(539)[1])
        'five hundred thirty - nine'
    """

    def __init__(
        self,
        *,
        max_number: int = 9999,
        num_train: int = 3000,
        num_val: int = 500,
        num_test: int = 500,
        batch_size: int = 128,
        seed: int = 0,
    ) -> None:
        if not 1 <= max_number < 1_000_000:
            raise ValueError(f"Expected max_number in 1..999999, but got {max_number}")
        total = num_train + num_val + num_test
        if min(num_train, num_val, num_test) < 1 or total > max_number + 1:
            raise ValueError(
                f"Expected positive split sizes with num_train + num_val + num_test <= max_number + 1 = "
                f"{max_number + 1}, but got {num_train} + {num_val} + {num_test} = {total}"
            )
        rng = np.random.default_rng(seed)
        drawn = rng.choice(max_number + 1, size=total, replace=False)
        self.numbers = {
            "train": drawn[:num_train],
            "val": drawn[num_train : num_train + num_val],
            "test": drawn[num_train + num_val :],
        }
        width = len(str(max_number))
        pairs = [number_tokens(n, width) for n in range(max_number + 1)]
        self.vocab = Vocabulary((t for src, tgt in pairs for t in src + tgt), specials=[PAD, BOS, EOS])
        self.pad_id, self.bos_id, self.eos_id = self.vocab[PAD], self.vocab[BOS], self.vocab[EOS]
        self.max_src_len = max(len(src) for src, _ in pairs)
        self.max_tgt_len = max(len(tgt) for _, tgt in pairs) + 2  # + <bos> and <eos>

        def encode(numbers: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
            src = torch.full((len(numbers), self.max_src_len), self.pad_id, dtype=torch.long)
            tgt = torch.full((len(numbers), self.max_tgt_len), self.pad_id, dtype=torch.long)
            for row, n in enumerate(numbers):
                s, t = number_tokens(int(n), width)
                src[row, : len(s)] = torch.tensor(self.vocab.encode(s))
                tgt[row, : len(t) + 2] = torch.tensor(self.vocab.encode([BOS, *t, EOS]))
            return src, tgt

        super().__init__(
            train=encode(self.numbers["train"]), val=encode(self.numbers["val"]), test=encode(self.numbers["test"]),
            batch_size=batch_size, seed=seed,
        )
