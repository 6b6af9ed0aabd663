"""A Lightning ``Trainer`` with defaults for documentation runs, and a callback that keeps the learning curve.

``make_trainer`` gives a quiet, deterministic Trainer: no banners, tips, model summary, checkpoints or logger
files in the example output, and a progress bar only when asked for. ``accelerator="auto"`` uses a GPU where
there is one; set the environment variable ``DLKIT_ACCELERATOR=cpu`` to force the CPU everywhere.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback, TQDMProgressBar

__all__ = ["History", "DocTrainer", "make_trainer", "quiet_lightning", "default_accelerator"]

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


class DocTrainer(pl.Trainer):
    """A ``pl.Trainer`` whose ``fit``/``validate``/``test``/``predict`` run inside ``quiet_lightning()``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with quiet_lightning():
            super().__init__(*args, **kwargs)

    def fit(self, *args: Any, **kwargs: Any) -> None:
        with quiet_lightning():
            return super().fit(*args, **kwargs)

    def validate(self, *args: Any, **kwargs: Any) -> Any:
        with quiet_lightning():
            return super().validate(*args, **kwargs)

    def test(self, *args: Any, **kwargs: Any) -> Any:
        with quiet_lightning():
            return super().test(*args, **kwargs)

    def predict(self, *args: Any, **kwargs: Any) -> Any:
        with quiet_lightning():
            return super().predict(*args, **kwargs)


def default_accelerator() -> str:
    """``"auto"`` (a GPU where there is one), unless the environment variable ``DLKIT_ACCELERATOR`` says otherwise.

    Example:
        >>> import os
        >>> from dlkit.training import default_accelerator
        >>> default_accelerator() == os.environ.get("DLKIT_ACCELERATOR", "auto")
        True
    """
    return os.environ.get("DLKIT_ACCELERATOR", "auto")


class History(Callback):
    """Record every epoch's logged metrics (``train_loss``, ``val_acc``, ...) for learning curves.

    ``history.epochs`` is a list with one dict per epoch; ``history["val_loss"]`` is that metric per epoch.

    Example:
        >>> from dlkit.training import History
        >>> history = History()
        >>> history.epochs
        []
    """

    def __init__(self) -> None:
        self.epochs: list[dict[str, float]] = []

    # An epoch's metrics are final only after every on_train_epoch_end hook, the LightningModule's included
    # (callbacks run before it): record them when the next epoch starts, or when training ends.
    def _record(self, trainer: pl.Trainer) -> None:
        if len(self.epochs) < trainer.current_epoch:
            self.epochs.append({k: float(v) for k, v in trainer.callback_metrics.items() if v.numel() == 1})

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._record(trainer)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._record(trainer)

    def __getitem__(self, key: str) -> list[float]:
        if self.epochs and key not in self.epochs[-1]:
            raise KeyError(f"Expected one of the logged metrics {sorted(self.epochs[-1])}, but got {key!r}")
        return [epoch[key] for epoch in self.epochs if key in epoch]


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
