"""A Lightning ``Trainer`` with defaults for documentation runs (callbacks such as ``History``: ``dlkit.callbacks``).

``make_trainer`` gives a quiet, deterministic Trainer: no banners, tips, model summary, checkpoints or logger
files in the example output, and a progress bar only when asked for. ``accelerator="auto"`` uses a GPU where
there is one; set the environment variable ``DLKIT_ACCELERATOR=cpu`` to force the CPU everywhere.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback, TQDMProgressBar

__all__ = ["DocTrainer", "make_trainer", "quiet_lightning", "default_accelerator", "describe_device"]

# Messages Lightning prints on every run that say nothing about the example being shown.
_NOISE = (
    r".*does not have many workers.*",
    r".*isinstance\(treespec, LeafSpec\).*",
    r".*LeafSpec.*is deprecated.*",
    r".*The number of training batches .* is smaller than the logging interval.*",
    r".*GPU available but not used.*",
)
_LOGGERS = ("pytorch_lightning", "lightning.pytorch", "lightning_fabric", "lightning")


@contextlib.contextmanager
def quiet_lightning() -> Iterator[None]:
    """Silence Lightning's banners and routine warnings inside the block; real warnings still show.

    Example:
        >>> import logging
        >>> from dlkit.training import quiet_lightning
        >>> with quiet_lightning():
        ...     logging.getLogger("pytorch_lightning").level == logging.WARNING
        True
    """
    saved = {name: logging.getLogger(name).level for name in _LOGGERS}
    with warnings.catch_warnings():
        for pattern in _NOISE:
            warnings.filterwarnings("ignore", message=pattern)
        for name in _LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            yield
        finally:
            for name, level in saved.items():
                logging.getLogger(name).setLevel(level)


def _quietly(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method``, run inside ``quiet_lightning()``."""

    @functools.wraps(method)
    def quiet_method(*args: Any, **kwargs: Any) -> Any:
        with quiet_lightning():
            return method(*args, **kwargs)

    return quiet_method


class DocTrainer(pl.Trainer):
    """A ``pl.Trainer`` that is built and runs ``fit``/``validate``/``test``/``predict`` inside ``quiet_lightning()``."""

    __init__ = _quietly(pl.Trainer.__init__)
    fit = _quietly(pl.Trainer.fit)
    validate = _quietly(pl.Trainer.validate)
    test = _quietly(pl.Trainer.test)
    predict = _quietly(pl.Trainer.predict)


def default_accelerator() -> str:
    """``"auto"`` (a GPU where there is one), unless the environment variable ``DLKIT_ACCELERATOR`` says otherwise.

    Example:
        >>> import os
        >>> from dlkit.training import default_accelerator
        >>> default_accelerator() == os.environ.get("DLKIT_ACCELERATOR", "auto")
        True
    """
    return os.environ.get("DLKIT_ACCELERATOR", "auto")


def describe_device() -> str:
    """Where ``make_trainer`` runs by default, in words: ``"cpu"`` or ``"cuda (<GPU name>)"``.

    The site's verification stamps and the test suite's results use it, so both name the device the same way.

    Example:
        >>> from dlkit.training import describe_device
        >>> describe_device().startswith(("cpu", "cuda ("))
        True
    """
    import torch

    if default_accelerator() != "cpu" and torch.cuda.is_available():
        return f"cuda ({torch.cuda.get_device_name()})"
    return "cpu"


def make_trainer(
    *,
    max_epochs: int = 10,
    progress: bool = False,
    accelerator: str | None = None,
    deterministic: bool = True,
    callbacks: list[Callback] | None = None,
    **trainer_kwargs: Any,
) -> DocTrainer:
    """Build a quiet, deterministic Lightning Trainer for one device.

    Args:
        max_epochs: epochs to train.
        progress: show a progress bar (off by default so example output stays clean).
        accelerator: ``"cpu"``, ``"gpu"``, ...; default ``default_accelerator()``, i.e. ``"auto"``.
        deterministic: use deterministic algorithms (identical numbers run to run).
        callbacks: Lightning callbacks, e.g. ``[History(), EarlyStopping(...)]``.
        **trainer_kwargs: any other ``pl.Trainer`` argument; it overrides the defaults here
            (e.g. ``logger=CSVLogger(...)``, ``enable_checkpointing=True``, ``fast_dev_run=True``).

    Example:
        >>> from dlkit.training import make_trainer
        >>> trainer = make_trainer(max_epochs=2)
        >>> trainer.max_epochs, trainer.logger is None
        (2, True)
    """
    callbacks = list(callbacks or [])
    if progress:
        callbacks.append(TQDMProgressBar(refresh_rate=10))
    settings: dict[str, Any] = {
        "max_epochs": max_epochs,
        "accelerator": accelerator or default_accelerator(),
        "devices": 1,
        "deterministic": deterministic,
        "logger": False,
        "enable_checkpointing": False,
        "enable_model_summary": False,
        "enable_progress_bar": progress,
        "num_sanity_val_steps": 0,
        "callbacks": callbacks,
    }
    settings.update(trainer_kwargs)
    return DocTrainer(**settings)
