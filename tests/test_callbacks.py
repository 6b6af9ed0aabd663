"""GradientNormLogger: per-parameter gradient norms per step and epoch, taken before clipping."""

import pytest
import pytorch_lightning as pl
import torch

from dlkit.callbacks import GradientNormLogger
from dlkit.data import ToyDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

WINE = {"in_features": 13, "out_features": 3, "hidden_dims": (8, 8)}

# Steps called outside a Trainer: self.log() warns that no trainer is attached, which is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:You are trying to `self.log\\(\\)`")


def fit(callback, **trainer_kwargs):
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(model=MLP, model_kwargs=WINE, num_classes=3, optimizer="sgd", lr=0.1)
    make_trainer(max_epochs=2, callbacks=[callback], **trainer_kwargs).fit(task, datamodule=ToyDataModule(name="wine"))
    return task


def test_norms_per_step_and_epoch():
    norms = GradientNormLogger()
    fit(norms)
    assert len(norms.steps) == 4 and len(norms.epochs) == 2
    first = norms.steps[0]
    layer_norms = torch.tensor([value for name, value in first.items() if name != "total"])
    assert first["total"] == pytest.approx(torch.linalg.vector_norm(layer_norms).item(), rel=1e-5)
    epoch_mean = (norms.steps[0]["total"] + norms.steps[1]["total"]) / 2
    assert norms.epochs[0]["total"] == pytest.approx(epoch_mean)


def test_norms_match_autograd_on_one_step():
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(model=MLP, model_kwargs=WINE, num_classes=3)
    norms = GradientNormLogger(weights_only=False, norm_type=1)
    x, y = torch.randn(6, 13), torch.randint(0, 3, (6,))
    task.training_step((x, y), 0).backward()
    norms.on_before_optimizer_step(None, task, None)
    assert set(norms.steps[0]) == {name for name, _ in task.named_parameters()} | {"total"}
    bias = task.net.layers[0].bias.grad
    assert norms["net.layers.0.bias"][0] == pytest.approx(bias.abs().sum().item(), rel=1e-5)


def test_norms_are_taken_before_clipping():
    norms = GradientNormLogger()
    fit(norms, gradient_clip_val=1e-3)
    assert max(norms["total"]) > 1e-3  # the unclipped norm, not the clipped one


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="Expected a positive norm_type such as 2.0, but got 0"):
        GradientNormLogger(norm_type=0)
    with pytest.raises(ValueError, match="but got 'fro'"):
        GradientNormLogger(norm_type="fro")
    norms = GradientNormLogger()
    norms.steps.append({"a": 1.0, "total": 1.0})
    with pytest.raises(KeyError, match=r"Expected one of the recorded parameters \['a', 'total'\], but got 'b'"):
        norms["b"]


def test_callbacks_live_in_one_module_and_import_dlkit_stays_light():
    import subprocess
    import sys

    import dlkit.callbacks

    assert set(dlkit.callbacks.__all__) == {"GeneratedSamples", "GradientNormLogger", "History"}
    code = "import sys, dlkit; print(sorted(m for m in sys.modules if m.split('.')[0] in {'dlkit', 'torch', 'pytorch_lightning'}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "['dlkit']"  # `import dlkit` imports nothing else, so nothing optional can break it
