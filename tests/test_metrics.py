"""dlkit.metrics.collect_predictions: aligned outputs and targets, evaluation mode, clear errors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import dlkit.metrics
from dlkit.metrics import collect_predictions
from dlkit.models.mlp import MLP
from dlkit.tasks import CausalLMTask, ClassificationTask, RegressionTask


def classification_task(dropout: float = 0.0) -> ClassificationTask:
    torch.manual_seed(0)
    return ClassificationTask(
        model=MLP, model_kwargs={"in_features": 4, "out_features": 3, "hidden_dims": (8,), "dropout": dropout},
        num_classes=3,
    )


def loader(x: torch.Tensor, y: torch.Tensor, batch_size: int = 4) -> DataLoader:
    return DataLoader(TensorDataset(x, y), batch_size=batch_size)


def test_classification_gives_softmax_of_the_logits_in_order() -> None:
    task = classification_task()
    x, y = torch.randn(11, 4), torch.arange(11) % 3
    probabilities, targets = collect_predictions(task, loader(x, y))
    with torch.no_grad():
        expected = task(x).softmax(dim=1)
    assert torch.allclose(probabilities, expected, atol=1e-6)
    assert torch.equal(targets, y)


def test_regression_gives_one_value_per_sample() -> None:
    torch.manual_seed(0)
    task = RegressionTask(model=MLP, model_kwargs={"in_features": 3, "out_features": 1, "hidden_dims": (4,)})
    x, y = torch.randn(9, 3), torch.randn(9)
    predictions, targets = collect_predictions(task, loader(x, y))
    assert predictions.shape == targets.shape == (9,)
    with torch.no_grad():
        assert torch.allclose(predictions, task(x).squeeze(1), atol=1e-6)


def test_runs_in_eval_mode_and_restores_the_mode() -> None:
    task = classification_task(dropout=0.5)
    task.train()
    x, y = torch.randn(8, 4), torch.zeros(8, dtype=torch.long)
    first, _ = collect_predictions(task, loader(x, y))
    second, _ = collect_predictions(task, loader(x, y))
    assert torch.equal(first, second)  # dropout was off: deterministic
    assert task.training
    task.eval()
    collect_predictions(task, loader(x, y))
    assert not task.training


def test_rejects_a_plain_module() -> None:
    with pytest.raises(TypeError, match="Expected a dlkit SupervisedTask.*Linear"):
        collect_predictions(nn.Linear(4, 3), loader(torch.randn(4, 4), torch.zeros(4, dtype=torch.long)))


def test_rejects_batches_without_targets() -> None:
    inputs_only = DataLoader(TensorDataset(torch.randn(4, 4)), batch_size=2)
    with pytest.raises(ValueError, match=r"Expected every batch to be an \(x, y\) pair.*length 1"):
        collect_predictions(classification_task(), inputs_only)


def test_rejects_an_empty_dataloader() -> None:
    with pytest.raises(ValueError, match="at least one batch"):
        collect_predictions(classification_task(), [])


def test_rejects_outputs_that_do_not_fit_the_task() -> None:
    task = classification_task()
    wrong_targets = loader(torch.randn(4, 4), torch.zeros(4))  # float targets, not class ids
    with pytest.raises(ValueError, match="Expected integer class ids"):
        collect_predictions(task, wrong_targets)
    assert task.training  # restored even after an error


def test_outputs_are_what_the_task_says_they_are() -> None:
    """collect_predictions asks the task (its predictions hook) instead of checking the task's type."""

    class Doubled(RegressionTask):
        def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
            return 2 * outputs

    torch.manual_seed(0)
    task = Doubled(model=MLP, model_kwargs={"in_features": 3, "out_features": 1})
    x, y = torch.randn(6, 3), torch.randn(6)
    predictions, _ = collect_predictions(task, loader(x, y))
    with torch.no_grad():
        torch.testing.assert_close(predictions, 2 * task(x).squeeze(1))


def test_language_model_outputs_are_token_probabilities() -> None:
    torch.manual_seed(0)
    task = CausalLMTask(model="dlkit.models.gpt.GPT", model_kwargs={"vocab_size": 7, "max_len": 5, "d_model": 8, "num_heads": 2})
    ids = torch.randint(0, 7, (4, 6))
    probabilities, targets = collect_predictions(task, loader(ids[:, :-1], ids[:, 1:], batch_size=3))
    assert probabilities.shape == (4, 5, 7) and torch.equal(targets, ids[:, 1:])
    torch.testing.assert_close(probabilities.sum(dim=-1), torch.ones(4, 5))


def test_metrics_module_imports_no_concrete_task() -> None:
    tree = ast.parse(Path(dlkit.metrics.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {name for name in imported if name.startswith("dlkit.tasks")} == {"dlkit.tasks.base"}
