"""dlkit.deploy.export: safe loading (weights_only everywhere), task reload from the file alone, ONNX parity."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
import torch

from dlkit.deploy.export import OnnxPredictor, export_onnx, load_checkpoint, load_task, max_difference
from dlkit.tasks import ClassificationTask, RegressionTask

ROOT = Path(__file__).resolve().parents[2]


class _Payload:
    """Unpickling calls ``os.system("touch <marker>")``: code that runs at load time."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _task() -> ClassificationTask:
    return ClassificationTask(
        model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3}, num_classes=3
    )


def test_a_pickle_that_would_run_code_is_refused_with_a_clear_error(tmp_path):
    marker = tmp_path / "pwned"
    torch.save({"state_dict": {}, "hyper_parameters": _Payload(marker)}, tmp_path / "evil.ckpt")
    with pytest.raises(ValueError, match=r"Expected a checkpoint of tensors and plain Python values .* would run code"):
        load_checkpoint(tmp_path / "evil.ckpt")
    with pytest.raises(ValueError, match="weights_only=True"):
        load_task(tmp_path / "evil.ckpt", task_class=ClassificationTask)
    assert not marker.exists()


def test_bad_files_and_arguments_name_what_was_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="Expected a checkpoint file, but got no file"):
        load_checkpoint(tmp_path / "missing.ckpt")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="Expected a checkpoint dictionary, but got list"):
        load_checkpoint(tmp_path / "list.pt")
    torch.save({"state_dict": {}}, tmp_path / "bare.ckpt")
    with pytest.raises(ValueError, match="naming its task class"):
        load_task(tmp_path / "bare.ckpt")
    with pytest.raises(TypeError, match="Expected a LightningModule class"):
        load_task(tmp_path / "bare.ckpt", task_class=int)
    torch.save({"dlkit_task": "no.such.Task"}, tmp_path / "unknown.ckpt")
    with pytest.raises(ValueError, match="Expected an importable task class, but got 'no.such.Task'"):
        load_task(tmp_path / "unknown.ckpt")
    with pytest.raises(TypeError, match="Expected an nn.Module"):
        export_onnx("net", torch.zeros(2, 4), tmp_path / "x.onnx")
    with pytest.raises(TypeError, match="Expected an example input batch"):
        export_onnx(torch.nn.Linear(4, 2), [1.0], tmp_path / "x.onnx")
    with pytest.raises(FileNotFoundError, match="Expected an ONNX file"):
        OnnxPredictor(tmp_path / "missing.onnx")
    with pytest.raises(ValueError, match=r"Expected arrays of the same shape, but got \(2,\) and \(3,\)"):
        max_difference(torch.zeros(2), torch.zeros(3))


def test_every_task_records_its_class_and_reloads_from_the_file_alone(tmp_path):
    import pytorch_lightning as pl

    for task in (_task(), RegressionTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 1})):
        trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
        trainer.strategy.connect(task)
        trainer.save_checkpoint(tmp_path / "t.ckpt")
        assert load_checkpoint(tmp_path / "t.ckpt")["dlkit_task"].endswith(type(task).__name__)
        reloaded = load_task(tmp_path / "t.ckpt")
        assert type(reloaded) is type(task) and not reloaded.training
        x = torch.randn(5, 4)
        torch.testing.assert_close(reloaded(x), task.eval()(x))


def test_onnx_predictor_checks_the_input_shape(tmp_path):
    path = export_onnx(torch.nn.Linear(4, 2), torch.zeros(1, 4), tmp_path / "lin.onnx")  # batch 1 -> widened
    predictor = OnnxPredictor(path, threads=1)
    assert predictor(torch.zeros(3, 4).numpy()).shape == (3, 2)
    with pytest.raises(ValueError, match=r"Expected inputs of shape \(N, 4\), but got \(3, 5\)"):
        predictor(torch.zeros(3, 5).numpy())


def _loads(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("load", "load_from_checkpoint") and (
                node.func.attr == "load_from_checkpoint" or ast.unparse(node.func.value) == "torch"
            ):
                yield node


def test_every_load_in_dlkit_passes_weights_only_true():
    """A static scan: each ``torch.load`` and ``load_from_checkpoint`` call in dlkit/ says ``weights_only=True``."""
    found, unsafe = 0, []
    for path in sorted((ROOT / "dlkit").rglob("*.py")):
        for call in _loads(ast.parse(path.read_text())):
            found += 1
            flags = {k.arg: k.value for k in call.keywords}
            value = flags.get("weights_only")
            if not (isinstance(value, ast.Constant) and value.value is True):
                unsafe.append(f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(call)}")
    assert found >= 2, "the scan found no loads: it is broken"
    assert not unsafe, f"loads without weights_only=True: {unsafe}"
