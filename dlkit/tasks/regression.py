"""Regression: mean squared error, with MSE, MAE and R² per split."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torchmetrics import MeanAbsoluteError, MeanSquaredError, Metric, R2Score

from dlkit.tasks.base import SupervisedTask

__all__ = ["RegressionTask"]


class RegressionTask(SupervisedTask):
    r"""Train a network with one output per sample on the mean squared error
    $\frac{1}{N}\sum_i (\hat y_i - y_i)^2$.

    Logs ``{train,val,test}_loss``, ``_mse``, ``_mae`` and ``_r2`` once per epoch. Takes the arguments of
    ``SupervisedTask`` (``model``, ``model_kwargs``, ``l1`` and the optimiser options) and no others.

    Example:
        >>> import torch
        >>> from dlkit.tasks import RegressionTask
        >>> task = RegressionTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 10, "out_features": 1})
        >>> task(torch.zeros(3, 10)).shape
        torch.Size([3, 1])
    """

    def make_metrics(self) -> dict[str, Metric]:
        return {"mse": MeanSquaredError(), "mae": MeanAbsoluteError(), "r2": R2Score()}

    def check_outputs(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if outputs.ndim == 2 and outputs.shape[1] == 1:
            outputs = outputs.squeeze(1)  # (N, 1) -> (N,)
        if outputs.shape != y.shape:
            raise ValueError(
                f"Expected one output per sample, shape {tuple(y.shape)} or ({len(y)}, 1), "
                f"but the network returned {tuple(outputs.shape)}"
            )
        return outputs

    def loss(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(outputs, y)
