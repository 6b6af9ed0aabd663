"""Small shared helpers for the unit tests."""

from __future__ import annotations

from pathlib import Path

import pytorch_lightning as pl
import torch

from dlkit.training import make_trainer


def fit_fast_dev_run(task: pl.LightningModule, datamodule: pl.LightningDataModule) -> pl.Trainer:
    """One training and one validation batch: proves the task, network and data fit together."""
    trainer = make_trainer(fast_dev_run=True, accelerator="cpu")
    trainer.fit(task, datamodule=datamodule)
    return trainer


def assert_checkpoint_round_trip(trainer: pl.Trainer, task: pl.LightningModule, x: torch.Tensor, path: Path) -> None:
    """``load_from_checkpoint(path)`` alone rebuilds the task, and it predicts exactly the same."""
    trainer.save_checkpoint(path)
    reloaded = type(task).load_from_checkpoint(path, map_location="cpu")
    task.cpu().eval()
    reloaded.eval()
    with torch.no_grad():
        assert torch.equal(task(x), reloaded(x))
