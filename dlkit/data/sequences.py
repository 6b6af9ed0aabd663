"""Generated sequence tasks that isolate one difficulty of recurrent networks."""

from __future__ import annotations

import numpy as np

__all__ = ["long_range_sequences"]


def long_range_sequences(
    *, num_samples: int, max_len: int, num_classes: int = 2, num_noise_symbols: int = 4, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A long-range dependency task: the class is the first symbol of a sequence, every later symbol is noise.

    Each sequence starts with one of ``num_classes`` class symbols, followed by ``max_len - 1`` symbols drawn
    uniformly from ``num_noise_symbols`` other symbols; symbols are one-hot encoded. To be right a network must
    carry the first step's information across all ``max_len - 1`` noisy steps to the end.

    Returns:
        ``x`` of shape ``(num_samples, max_len, num_classes + num_noise_symbols)`` (float32, one-hot) and the class
        ids ``y`` of shape ``(num_samples,)``.

    Example:
        >>> from dlkit.data.sequences import long_range_sequences
        >>> x, y = long_range_sequences(num_samples=4, max_len=6, seed=0)
        >>> x.shape, y.shape
        ((4, 6, 6), (4,))
        >>> bool((x[:, 0].argmax(axis=1) == y).all()), bool((x[:, 1:].argmax(axis=2) >= 2).all())
        (True, True)
    """
    if num_samples < 1 or max_len < 2 or num_classes < 2 or num_noise_symbols < 1:
        raise ValueError(
            "Expected num_samples >= 1, max_len >= 2, num_classes >= 2 and num_noise_symbols >= 1, but got "
            f"{num_samples}, {max_len}, {num_classes} and {num_noise_symbols}"
        )
    rng = np.random.default_rng(seed)
    y = rng.integers(0, num_classes, size=num_samples)
    symbols = rng.integers(num_classes, num_classes + num_noise_symbols, size=(num_samples, max_len))  # noise
    symbols[:, 0] = y  # the only informative step
    x = np.eye(num_classes + num_noise_symbols, dtype=np.float32)[symbols]  # (N, T) -> (N, T, symbols)
    return x, y.astype(np.int64)
