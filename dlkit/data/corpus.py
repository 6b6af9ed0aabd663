"""Text that is available offline, a token vocabulary, and data modules of token windows for language models.

Two corpora need no download: the Python language reference that ships with every Python interpreter
(``pydoc_data.topics``, the text behind ``help("if")``, ~465,000 characters in 79 topics) and this site's own
pages (``docs/**/*.md`` of a source checkout). Python's reference is the default: it does not change while the
site grows, so numbers measured on it stay put.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch

from dlkit.data.base import TensorDataModule, check_fractions

__all__ = [
    "python_reference_corpus",
    "site_pages_corpus",
    "Vocabulary",
    "word_tokens",
    "text_windows",
    "CharCorpusDataModule",
]


def python_reference_corpus(topics: Sequence[str] | None = None) -> dict[str, str]:
    """The Python language reference bundled with the interpreter, as ``{topic: text}`` (sorted by topic).

    Args:
        topics: topic names to keep (e.g. ``["if", "for"]``); ``None`` keeps all 79.

    Example:
        >>> from dlkit.data.corpus import python_reference_corpus
        >>> corpus = python_reference_corpus()
        >>> len(corpus), corpus["if"].splitlines()[0]
        (79, 'The "if" statement')
    """
    from pydoc_data.topics import topics as all_topics

    if topics is None:
        return {name: all_topics[name] for name in sorted(all_topics)}
    unknown = sorted(set(topics) - set(all_topics))
    if unknown:
        raise ValueError(f"Expected topics of pydoc_data.topics (e.g. 'if', 'for'), but got unknown {unknown}")
    return {name: all_topics[name] for name in topics}


def site_pages_corpus(docs_dir: str | Path | None = None) -> dict[str, str]:
    """This site's Markdown pages as ``{relative path: text}``, sorted by path.

    Args:
        docs_dir: the site's ``docs/`` folder; default: the one next to the ``dlkit`` package in a source checkout.

    Example:
        >>> from dlkit.data.corpus import site_pages_corpus
        >>> "index.md" in site_pages_corpus()
        True
    """
    root = Path(docs_dir) if docs_dir is not None else Path(__file__).resolve().parents[2] / "docs"
    if not root.is_dir():
        raise ValueError(
            f"Expected the site's docs/ folder at {root}, but it does not exist; pass docs_dir= (the pages ship "
            "with a source checkout, not with an installed package)"
        )
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.md"))}


class Vocabulary:
    """A fixed mapping between tokens (characters, words, ...) and integer ids; special tokens come first.

    Args:
        tokens: the tokens to include; a string gives its characters. Duplicates are dropped, the rest sorted.
        specials: special tokens such as ``"<pad>"`` and ``"<mask>"``, given ids ``0, 1, ...`` in this order.
        unk: a special token that stands for every token not in the vocabulary; ``None``: unknown tokens are an error.

    Example:
        >>> from dlkit.data.corpus import Vocabulary
        >>> vocab = Vocabulary("hello world", specials=["<pad>"])
        >>> len(vocab), vocab.tokens[:4]
        (9, ['<pad>', ' ', 'd', 'e'])
        >>> ids = vocab.encode("hold")
        >>> ids, vocab.decode(ids)
        ([4, 6, 5, 2], 'hold')
        >>> Vocabulary(["three", "hundred"]).decode([1, 0], sep=" ")  # word tokens
        'three hundred'
    """

    def __init__(self, tokens: Iterable[str], *, specials: Sequence[str] = (), unk: str | None = None) -> None:
        if len(set(specials)) != len(specials):
            raise ValueError(f"Expected distinct special tokens, but got {list(specials)}")
        if unk is not None and unk not in specials:
            raise ValueError(f"Expected unk to be one of the specials {list(specials)}, but got {unk!r}")
        self.unk = unk
        regular = sorted(set(tokens) - set(specials))
        self.tokens: list[str] = [*specials, *regular]
        self.specials = list(specials)
        self.ids = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def __getitem__(self, token: str) -> int:
        if token not in self.ids:
            raise KeyError(f"Expected a token of the vocabulary, but got {token!r}")
        return self.ids[token]

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Ids of ``tokens`` (a string is encoded character by character); unknown tokens become ``unk``."""
        tokens = list(tokens)
        if self.unk is not None:
            unk_id = self.ids[self.unk]
            return [self.ids.get(t, unk_id) for t in tokens]
        unknown = sorted({t for t in tokens if t not in self.ids})
        if unknown:
            raise ValueError(f"Expected tokens of the vocabulary, but got unknown tokens {unknown[:10]}")
        return [self.ids[t] for t in tokens]

    def decode(self, ids: Iterable[int] | torch.Tensor, *, sep: str = "", skip_specials: bool = False) -> str:
        """The tokens of ``ids`` joined by ``sep``; ``skip_specials=True`` leaves out special tokens."""
        ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
        bad = [i for i in ids if not 0 <= i < len(self.tokens)]
        if bad:
            raise ValueError(f"Expected ids in 0..{len(self.tokens) - 1}, but got {bad[:10]}")
        return sep.join(
            self.tokens[i] for i in ids if not (skip_specials and self.tokens[i] in self.specials)
        )


def word_tokens(text: str) -> list[str]:
    """Lower-cased words, numbers and single punctuation characters of ``text``, in order.

    Example:
        >>> from dlkit.data.corpus import word_tokens
        >>> word_tokens('The "if" statement: x_1 = 42.')
        ['the', '"', 'if', '"', 'statement', ':', 'x_1', '=', '42', '.']
    """
    return re.findall(r"[a-z_][a-z_0-9]*|[0-9]+|[^\sa-z_0-9]", text.lower())


def text_windows(
    tokens: str | Sequence[str], vocab: Vocabulary, *, window: int, stride: int | None = None
) -> torch.Tensor:
    """Ids of ``tokens`` (a string: its characters) cut into windows ``(N, window)`` starting every ``stride`` tokens.

    Example:
        >>> from dlkit.data.corpus import Vocabulary, text_windows
        >>> vocab = Vocabulary("abcdef")
        >>> text_windows("abcdefabcd", vocab, window=4)
        tensor([[0, 1, 2, 3],
                [4, 5, 0, 1]])
    """
    if window < 1 or len(tokens) < window:
        raise ValueError(f"Expected 1 <= window <= number of tokens = {len(tokens)}, but got window={window}")
    ids = torch.tensor(vocab.encode(tokens), dtype=torch.long)
    return ids.unfold(0, window, stride or window).contiguous()  # (N, window)


class CharCorpusDataModule(TensorDataModule):
    """Character-level language-model data: ``(x, y)`` windows where ``y`` is ``x`` shifted left by one character.

    The text is split in order: the first ``1 - val_fraction`` for training, the rest for validation, so no
    validation window overlaps a training window. Windows start every ``stride`` characters.

    Args:
        text: the corpus (one string).
        max_len: characters per window (the model's ``max_len``).
        specials: special tokens put first in the vocabulary (``"<mask>"`` for masked language modelling).
        vocab: a ready ``Vocabulary`` to use instead of one built from ``text`` (then ``specials`` is ignored).
        batch_size, seed: see ``dlkit.data.base.TensorDataModule``.
        val_fraction: share of the text (its end) kept for validation.
        stride: distance between window starts (default ``max_len``: no overlap).

    Attributes:
        vocab: the character ``Vocabulary`` (``len(dm.vocab)`` is the model's ``vocab_size``).

    Example:
        >>> from dlkit.data.corpus import CharCorpusDataModule
        >>> dm = CharCorpusDataModule(text="abcdefghij" * 100, max_len=16, batch_size=8, val_fraction=0.2)
        >>> len(dm.vocab), len(dm.train_set), len(dm.val_set)
        (10, 49, 12)
        >>> x, y = dm.train_set[0]
        >>> dm.vocab.decode(x), dm.vocab.decode(y)
        ('abcdefghijabcdef', 'bcdefghijabcdefg')
    """

    def __init__(
        self,
        *,
        text: str,
        max_len: int,
        specials: Sequence[str] = (),
        vocab: Vocabulary | None = None,
        batch_size: int = 64,
        val_fraction: float = 0.1,
        stride: int | None = None,
        seed: int = 0,
    ) -> None:
        check_fractions(val_fraction)
        if max_len < 1:
            raise ValueError(f"Expected a positive max_len, but got {max_len}")
        stride = stride or max_len
        split = int(len(text) * (1.0 - val_fraction))
        if min(split, len(text) - split) < max_len + 1:
            raise ValueError(
                f"Expected a text long enough for one window of {max_len + 1} characters in each split, "
                f"but got {len(text)} characters"
            )
        self.vocab = vocab if vocab is not None else Vocabulary(text, specials=specials)
        self.max_len = max_len

        def windows(part: str) -> tuple[torch.Tensor, torch.Tensor]:
            chunks = text_windows(part, self.vocab, window=max_len + 1, stride=stride)  # (N, max_len + 1)
            return chunks[:, :-1].contiguous(), chunks[:, 1:].contiguous()

        super().__init__(train=windows(text[:split]), val=windows(text[split:]), batch_size=batch_size, seed=seed)
