"""What dropout must do wherever a network uses it: in training zero a share ``p`` of the values that reach it and
scale the rest by ``1 / (1 - p)``; in evaluation pass everything through unchanged."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn


def record_dropout(net: nn.Module, run: Callable[[], object]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Run ``run()`` and return ``(input, output)`` of every call of every ``nn.Dropout`` inside ``net``."""
    records: list[tuple[torch.Tensor, torch.Tensor]] = []
    hooks = [
        module.register_forward_hook(lambda module, inputs, output: records.append((inputs[0].detach(), output.detach())))
        for module in net.modules()
        if isinstance(module, nn.Dropout)
    ]
    try:
        with torch.no_grad():
            run()
    finally:
        for hook in hooks:
            hook.remove()
    return records


def assert_dropout_acts(net: nn.Module, run: Callable[[], object], *, p: float, calls: int) -> None:
    """Training: each of the ``calls`` dropout calls of one forward pass zeroes a share ``p`` (within 5 binomial
    standard deviations) and scales what it keeps by ``1 / (1 - p)``. Evaluation: every call is the identity."""
    torch.manual_seed(0)
    net.train()
    records = record_dropout(net, run)
    assert len(records) == calls, f"expected {calls} dropout calls per forward pass, got {len(records)}"
    zeroed, total = 0, 0
    for x, y in records:
        reached = x != 0  # values dropout could zero
        kept = reached & (y != 0)
        torch.testing.assert_close(y[kept], x[kept] / (1 - p))
        zeroed += int((reached & (y == 0)).sum())
        total += int(reached.sum())
    share, sd = zeroed / total, math.sqrt(p * (1 - p) / total)
    assert abs(share - p) < 5 * sd, f"dropout zeroed {share:.4f} of {total} values, expected {p} +- {5 * sd:.4f}"
    net.eval()
    records = record_dropout(net, run)
    assert len(records) == calls
    for x, y in records:
        assert torch.equal(x, y)
