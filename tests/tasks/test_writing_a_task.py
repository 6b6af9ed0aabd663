"""The README's "Writing a task" recipe runs: its task trains, logs, checks its options and reloads alone."""

from __future__ import annotations

import math
import re
import sys
import types
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

from dlkit.training import make_trainer

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def recipe():
    """The README section's python block, run as a module (``quantile_recipe``) so checkpoints can import it."""
    section = README.read_text().split("## Writing a task", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the recipe is one python block"
    module = types.ModuleType("quantile_recipe")
    sys.modules[module.__name__] = module
    exec(compile(blocks[0], str(README), "exec"), module.__dict__)
    yield module
    del sys.modules[module.__name__]


def test_recipe_trains_and_reloads(recipe, tmp_path):
    pl.seed_everything(0, verbose=False)
    x = torch.randn(256, 10)
    y = x[:, 0] + 0.5 * torch.randn(256)
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    linear = {"in_features": 10, "out_features": 1, "hidden_dims": ()}
    task = recipe.QuantileTask(model="dlkit.models.mlp.MLP", model_kwargs=linear, quantile=0.9, lr=3e-2)
    trainer = make_trainer(max_epochs=40, accelerator="cpu")
    trainer.fit(task, train_dataloaders=loader, val_dataloaders=DataLoader(TensorDataset(x, y), batch_size=256))
    assert {"train_loss", "train_mae", "val_loss", "val_mae"} <= set(trainer.callback_metrics)
    with torch.no_grad():
        below = (y < task(x).squeeze(1)).float().mean().item()
    # The pinball loss found the 0.9 quantile: 0.887-0.910 of the targets lie below over seeds 0-4 (and 0.090-0.105
    # for quantile=0.1), so a 0.04 margin holds across seeds and CPUs.
    assert math.isclose(below, 0.9, abs_tol=0.04), below

    trainer.save_checkpoint(tmp_path / "quantile.ckpt")
    reloaded = recipe.QuantileTask.load_from_checkpoint(tmp_path / "quantile.ckpt")
    assert reloaded.quantile == 0.9 and reloaded.hparams.lr == 3e-2
    with torch.no_grad():
        torch.testing.assert_close(reloaded.eval()(x), task.cpu().eval()(x), rtol=0, atol=0)


def test_recipe_checks_its_option(recipe):
    with pytest.raises(ValueError, match=r"Expected quantile in \(0, 1\), but got 1.5"):
        recipe.QuantileTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 2, "out_features": 1}, quantile=1.5)
    task = recipe.QuantileTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 2, "out_features": 2})
    with pytest.raises(ValueError, match=r"Expected outputs of shape \(4, 1\), but got \(4, 2\)"):
        task.validation_step((torch.zeros(4, 2), torch.zeros(4)), 0)
