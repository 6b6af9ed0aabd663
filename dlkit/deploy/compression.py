"""Smaller and faster networks for inference: measure size and latency, and remove whole hidden units.

Quantisation and magnitude pruning come from PyTorch itself (``torch.ao.quantization.quantize_dynamic``,
``torch.nn.utils.prune``); this module adds what they leave to the user: the size of a model on disk, a latency
measured the same way for every variant, and structured pruning that really shrinks the layers (``prune`` only
zeroes weights behind a mask, so the dense model keeps its size and speed).
"""

from __future__ import annotations

import io
import statistics
import time
import zlib

import torch
from torch import nn
from torch.nn.utils import prune

from dlkit.models.mlp import MLP

__all__ = ["model_bytes", "latency_ms", "nonzero_parameters", "prune_hidden_units"]


def model_bytes(module: nn.Module, *, compressed: bool = False) -> int:
    """Bytes of ``torch.save(module.state_dict())``; ``compressed=True``: after zlib (zeros compress away).

    Example:
        >>> import torch
        >>> from dlkit.deploy.compression import model_bytes
        >>> linear = torch.nn.Linear(100, 100)  # 10,100 float32 numbers: 40,400 bytes, plus the file's structure
        >>> 40_400 < model_bytes(linear) < 44_000
        True
    """
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    data = buffer.getvalue()
    return len(zlib.compress(data, 6)) if compressed else len(data)


def nonzero_parameters(module: nn.Module) -> int:
    """Number of non-zero parameters (quantised layers count through their float weights).

    Example:
        >>> import torch
        >>> from dlkit.deploy.compression import nonzero_parameters
        >>> linear = torch.nn.Linear(3, 2)
        >>> with torch.no_grad():
        ...     _ = linear.weight.zero_()
        >>> nonzero_parameters(linear)  # the 2 biases (almost surely non-zero)
        2
    """
    total = 0
    for sub in module.modules():
        weight = getattr(sub, "weight", None)
        if callable(weight):  # a dynamically quantised Linear: weight() -> the quantised tensor
            total += int(torch.count_nonzero(weight().dequantize()))
            bias = sub.bias()
            total += int(torch.count_nonzero(bias)) if bias is not None else 0
        else:
            total += sum(int(torch.count_nonzero(p)) for p in sub.parameters(recurse=False))
    return total


def latency_ms(module: nn.Module, x: torch.Tensor, *, repeats: int = 30, warmup: int = 5) -> float:
    """Median wall time of one forward pass on ``x``, in milliseconds (evaluation mode, no autograd).

    Example:
        >>> import torch
        >>> from dlkit.deploy.compression import latency_ms
        >>> latency_ms(torch.nn.Linear(8, 2), torch.zeros(4, 8), repeats=5) > 0
        True
    """
    if repeats < 1:
        raise ValueError(f"Expected repeats >= 1, but got {repeats}")
    module = module.eval()
    times = []
    with torch.inference_mode():
        for i in range(warmup + repeats):
            start = time.perf_counter()
            module(x)
            if i >= warmup:
                times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def prune_hidden_units(mlp: MLP, amount: float) -> MLP:
    r"""Structured pruning: remove the share ``amount`` of each hidden layer's units, those whose incoming weights
    have the smallest L2 norm, and return a smaller dense ``MLP`` (the original is not changed).

    Which units go is chosen by ``torch.nn.utils.prune.ln_structured(layer, "weight", amount, n=2, dim=0)``. The
    smaller network computes exactly what the original computes once those units' incoming weights *and* biases
    are zeroed (a zeroed weight row alone still outputs ReLU(bias)); their outgoing weights go with them.

    Example:
        >>> import torch
        >>> from dlkit.deploy.compression import prune_hidden_units
        >>> from dlkit.models.mlp import MLP
        >>> small = prune_hidden_units(MLP(in_features=64, out_features=10, hidden_dims=(128, 64)), amount=0.5)
        >>> [layer.out_features for layer in small.layers if isinstance(layer, torch.nn.Linear)]
        [64, 32, 10]
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"Expected a dlkit MLP, but got {type(mlp).__name__}")
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"Expected amount in [0, 1), but got {amount}")
    linears = [layer for layer in mlp.layers if isinstance(layer, nn.Linear)]
    keep: list[torch.Tensor] = []
    for layer in linears[:-1]:  # hidden layers: the output layer keeps every class
        probe = nn.Linear(layer.in_features, layer.out_features)
        probe.load_state_dict(layer.state_dict())
        prune.ln_structured(probe, "weight", amount=amount, n=2, dim=0)
        keep.append(probe.weight_mask.any(dim=1).nonzero().squeeze(1))  # rows (units) that survive
    activation = type(mlp.layers[1]).__name__.lower()
    names = {"relu": "relu", "gelu": "gelu", "tanh": "tanh", "sigmoid": "sigmoid", "leakyrelu": "leaky_relu"}
    dropout = next((layer.p for layer in mlp.layers if isinstance(layer, nn.Dropout)), 0.0)
    small = MLP(
        in_features=mlp.in_features, out_features=linears[-1].out_features,
        hidden_dims=tuple(len(rows) for rows in keep), dropout=dropout, activation=names[activation],
    )
    small_linears = [layer for layer in small.layers if isinstance(layer, nn.Linear)]
    inputs = torch.arange(mlp.in_features)
    with torch.no_grad():
        for i, (old, new) in enumerate(zip(linears, small_linears)):
            rows = keep[i] if i < len(keep) else torch.arange(old.out_features)
            new.weight.copy_(old.weight[rows][:, inputs])  # (kept units, kept inputs)
            new.bias.copy_(old.bias[rows])
            inputs = rows
    return small.to(linears[0].weight.device)
