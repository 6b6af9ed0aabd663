"""dlkit.deploy.compression, dlkit.deploy.monitoring and DistillationTask: behaviour and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn.utils import prune

from dlkit.deploy.compression import latency_ms, model_bytes, nonzero_parameters, prune_hidden_units
from dlkit.deploy.monitoring import DriftDetector, RetrainingTrigger
from dlkit.models.mlp import MLP
from dlkit.tasks import DistillationTask
from dlkit.tasks.distillation import distillation_targets


def test_prune_hidden_units_equals_the_silenced_network():
    torch.manual_seed(0)
    wide = MLP(in_features=10, out_features=3, hidden_dims=(8, 6), activation="tanh").eval()
    small = prune_hidden_units(wide, amount=0.5)
    assert [m.out_features for m in small.layers if isinstance(m, torch.nn.Linear)] == [4, 3, 3]
    silenced = MLP(in_features=10, out_features=3, hidden_dims=(8, 6), activation="tanh").eval()
    silenced.load_state_dict(wide.state_dict())
    for layer in [m for m in silenced.layers if isinstance(m, torch.nn.Linear)][:-1]:
        prune.ln_structured(layer, "weight", amount=0.5, n=2, dim=0)
        with torch.no_grad():
            layer.bias *= layer.weight_mask.any(dim=1)
    x = torch.randn(7, 10)
    with torch.no_grad():
        torch.testing.assert_close(small(x), silenced(x))
    assert model_bytes(small) < model_bytes(wide)


def test_compression_helpers_reject_bad_input():
    with pytest.raises(TypeError, match="Expected a dlkit MLP, but got Linear"):
        prune_hidden_units(torch.nn.Linear(2, 2), amount=0.5)
    with pytest.raises(ValueError, match=r"Expected amount in \[0, 1\), but got 1.0"):
        prune_hidden_units(MLP(in_features=2, out_features=2), amount=1.0)
    with pytest.raises(ValueError, match="Expected repeats >= 1, but got 0"):
        latency_ms(torch.nn.Linear(2, 2), torch.zeros(1, 2), repeats=0)


def test_sizes_count_and_compress():
    layer = torch.nn.Linear(100, 100)
    with torch.no_grad():
        layer.weight[:, :90] = 0
    assert nonzero_parameters(layer) == 1000 + 100
    assert model_bytes(layer, compressed=True) < 0.5 * model_bytes(layer)


def test_drift_detector_on_known_distributions_and_bad_input():
    rng = np.random.default_rng(0)
    detector = DriftDetector(rng.normal(size=(400, 4)), alpha=0.01)
    assert not detector.check(rng.normal(size=(300, 4))).drifted
    report = detector.check(rng.normal(size=(300, 4)) * [1, 1, 2, 1])  # feature 2's spread doubles
    assert report.drifted_features == [2] and report.threshold == pytest.approx(0.01 / 4)
    with pytest.raises(ValueError, match=r"Expected alpha in \(0, 1\), but got 1.5"):
        DriftDetector(np.zeros((5, 2)), alpha=1.5)
    with pytest.raises(ValueError, match=r"Expected reference inputs of shape \(N, ...\) with N >= 2"):
        DriftDetector(np.zeros(5))
    with pytest.raises(ValueError, match="Expected inputs with 4 features, but got 3"):
        detector.check(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="Expected finite inputs, but got NaN"):
        detector.check(np.full((5, 4), np.nan))
    with pytest.raises(TypeError, match="Expected a DriftDetector, but got str"):
        RetrainingTrigger("detector")
    with pytest.raises(ValueError, match="Expected window >= 2, but got 1"):
        RetrainingTrigger(detector, window=1)
    with pytest.raises(ValueError, match="Expected inputs with 4 features, but got 2"):
        RetrainingTrigger(detector).observe(np.zeros((3, 2)))


def test_the_false_alarm_rate_stays_below_alpha():
    """Bonferroni: over 200 windows of same-distribution data, at most a few alarms at alpha = 0.05."""
    rng = np.random.default_rng(1)
    detector = DriftDetector(rng.normal(size=(300, 8)), alpha=0.05)
    alarms = sum(detector.check(rng.normal(size=(100, 8))).drifted for _ in range(200))
    assert alarms <= 20  # expected at most 10 (5%); binomial spread


def test_distillation_task_checks_its_options_and_targets():
    with pytest.raises(ValueError, match="Expected temperature > 0, but got 0"):
        DistillationTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3},
                         num_classes=3, temperature=0)
    with pytest.raises(ValueError, match=r"Expected alpha in \[0, 1\], but got 2"):
        DistillationTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3},
                         num_classes=3, alpha=2)
    with pytest.raises(ValueError, match=r"Expected labels \(N,\) and teacher logits \(N, num_classes\)"):
        distillation_targets(torch.zeros(3, dtype=torch.long), torch.zeros(4, 3))
    task = DistillationTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3},
                            num_classes=3, alpha=0.0)
    with pytest.raises(ValueError, match=r"Expected targets of shape \(N, 4\)"):
        task.loss(torch.zeros(2, 3), torch.zeros(2, 5))
    logits, y = torch.randn(6, 3), torch.tensor([0, 1, 2, 0, 1, 2])
    # alpha = 0: plain cross-entropy, whatever the teacher says
    torch.testing.assert_close(task.loss(logits, distillation_targets(y, torch.randn(6, 3))),
                               torch.nn.functional.cross_entropy(logits, y))
