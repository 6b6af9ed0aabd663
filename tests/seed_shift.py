"""Shift every seed a run uses by ``DLKIT_SEED_OFFSET``: the robustness sweep's way to try a page on other seeds.

Loaded as a pytest plugin (``-p tests.seed_shift``) or run in front of a script
(``python -m tests.seed_shift docs/projects/digits_end_to_end.py``). With ``DLKIT_SEED_OFFSET=k`` (k > 0) every
integer seed ``s`` becomes ``s + k`` wherever it is set:

- ``random.seed`` and ``random.Random(s)``;
- ``numpy.random.seed``, ``numpy.random.default_rng(s)`` and ``numpy.random.RandomState(s)`` (scikit-learn's
  ``random_state=int`` goes through ``RandomState``, so do dlkit's stratified splits: ``train_test_split``);
- ``torch.manual_seed`` (so ``lightning.seed_everything``, which calls it and the two above) and
  ``torch.Generator().manual_seed(s)`` (dlkit's batch order, masks and noise);
- the seeds ``tests/sybil_pages.seed_document`` sets before each page (it calls the functions above).

So all seeds a page uses move together, and the same page with the same offset prints the same numbers again.
Offset 0 (or unset) changes nothing. ``DLKIT_THREADS=n`` (read by ``tests/sybil_pages.py``) overrides the pinned
thread count; the sweep varies both (``make robustness``, ``tools/robustness.py``).

The replacement classes keep ``isinstance`` working both ways: an object made before the shift (e.g.
``numpy.random.mtrand._rand``, ``torch.default_generator``) is still an instance of the patched name.
"""

from __future__ import annotations

import functools
import numbers
import os
import random
import runpy
import sys
from typing import Any

ENV_OFFSET = "DLKIT_SEED_OFFSET"
ENV_THREADS = "DLKIT_THREADS"


def offset_from_env() -> int:
    raw = os.environ.get(ENV_OFFSET, "").strip() or "0"
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"Expected {ENV_OFFSET} to be a non-negative integer, but got {raw!r}") from None
    if value < 0:
        raise ValueError(f"Expected {ENV_OFFSET} to be a non-negative integer, but got {value}")
    return value


OFFSET = offset_from_env()
_installed: dict[str, Any] = {}  # what install() replaced, for uninstall()


def _is_int(seed: Any) -> bool:
    return isinstance(seed, numbers.Integral) and not isinstance(seed, bool)


def shift(seed: Any, modulus: int | None = None) -> Any:
    """``seed + OFFSET`` for an integer seed (wrapped into ``[0, modulus)`` when given); anything else unchanged."""
    if not _is_int(seed) or OFFSET == 0:
        return seed
    shifted = int(seed) + OFFSET
    return shifted % modulus if modulus else shifted


def _shift_numpy(seed: Any) -> Any:
    """numpy accepts ints in [0, 2**32) for the legacy seeding, and sequences of them; shift the ints."""
    if _is_int(seed):
        return shift(seed, 2**32)
    if isinstance(seed, (list, tuple)) and seed and all(_is_int(s) for s in seed):
        return type(seed)(shift(s, 2**32) for s in seed)
    return seed


def _compatible_meta(original: type) -> type:
    """A metaclass for a subclass of ``original`` that also counts ``original``'s own instances as instances."""
    base_meta = type(original)

    class Meta(base_meta):  # type: ignore[misc, valid-type]
        def __instancecheck__(cls, instance: Any) -> bool:
            return isinstance(instance, original) or base_meta.__instancecheck__(cls, instance)

        def __subclasscheck__(cls, subclass: type) -> bool:
            return issubclass(subclass, original) or base_meta.__subclasscheck__(cls, subclass)

    return Meta


def _wrap(function: Any, shifter: Any = shift) -> Any:
    @functools.wraps(function)
    def shifted(seed: Any = None, *args: Any, **kwargs: Any) -> Any:
        return function(shifter(seed), *args, **kwargs)

    shifted.__dlkit_seed_shift__ = True  # type: ignore[attr-defined]
    return shifted


def _replace(owner: Any, name: str, value: Any) -> None:
    _installed.setdefault(f"{id(owner)}.{name}", (owner, name, getattr(owner, name)))
    setattr(owner, name, value)


def install() -> bool:
    """Patch the seeding functions and classes (once); ``False`` when the offset is 0 and nothing was patched."""
    if OFFSET == 0:
        return False
    if _installed:
        return True
    import numpy as np
    import torch

    # random
    original_random = random.Random

    class ShiftedRandom(original_random, metaclass=_compatible_meta(original_random)):  # type: ignore[misc]
        def seed(self, a: Any = None, version: int = 2) -> None:
            super().seed(shift(a), version)

    _replace(random, "seed", _wrap(random.seed))
    _replace(random, "Random", ShiftedRandom)

    # numpy
    original_state = np.random.RandomState

    class ShiftedRandomState(original_state, metaclass=_compatible_meta(original_state)):  # type: ignore[misc]
        def __init__(self, seed: Any = None) -> None:
            super().__init__(_shift_numpy(seed))

        def seed(self, seed: Any = None) -> None:
            super().seed(_shift_numpy(seed))

    _replace(np.random, "seed", _wrap(np.random.seed, _shift_numpy))
    _replace(np.random, "default_rng", _wrap(np.random.default_rng))
    _replace(np.random, "RandomState", ShiftedRandomState)

    # torch (torch.manual_seed is torch.random.manual_seed: patch both names)
    original_generator = torch.Generator

    class ShiftedGenerator(original_generator, metaclass=_compatible_meta(original_generator)):  # type: ignore[misc]
        def manual_seed(self, seed: Any) -> Any:
            return super().manual_seed(shift(seed))

    shifted_manual_seed = _wrap(torch.manual_seed)
    _replace(torch, "manual_seed", shifted_manual_seed)
    _replace(torch.random, "manual_seed", shifted_manual_seed)
    _replace(torch, "Generator", ShiftedGenerator)
    return True


def uninstall() -> None:
    """Undo ``install`` (for tests of this module)."""
    for owner, name, value in reversed(list(_installed.values())):
        setattr(owner, name, value)
    _installed.clear()


def set_offset(value: int) -> None:
    """Change the offset in this process (tests); ``install`` must be called again after a change from 0."""
    global OFFSET
    OFFSET = value


def describe() -> str:
    threads = os.environ.get(ENV_THREADS, "").strip() or "pinned default"
    return f"seed offset {OFFSET}, threads {threads}"


# pytest plugin hooks ------------------------------------------------------------------------------------------


def pytest_configure(config: Any) -> None:
    install()  # already done at import; kept for a plugin object registered another way


install()  # at import: before any module can copy a seeding function by ``from ... import``


def pytest_report_header(config: Any) -> str:
    return f"dlkit seed shift: {describe()}"


def main(argv: list[str]) -> None:
    """``python -m tests.seed_shift script.py [args]``: run a script (a Jupytext notebook) with the seeds shifted."""
    if not argv:
        raise SystemExit("usage: python -m tests.seed_shift SCRIPT [ARGS...]")
    install()
    threads = os.environ.get(ENV_THREADS, "").strip()
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    sys.argv = list(argv)
    runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
