r"""Watching a served model: data drift by per-feature two-sample tests, and a retraining trigger.

A model is trained on one distribution of inputs; once served, the inputs may move away from it (a new camera, a
new population, a bug upstream) and its accuracy with them, long before labels arrive to show it. A drift detector
compares recent inputs with a reference sample of the training inputs, feature by feature, with the two-sample
Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``): the largest gap between the two empirical distribution
functions, $D = \sup_x |F_\text{ref}(x) - F_\text{new}(x)|$. With many features, many tests: the Bonferroni
correction tests each at level $\alpha / d$, so that on data from the training distribution the chance of *any*
false alarm stays below $\alpha$.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats

__all__ = ["DriftDetector", "DriftReport", "RetrainingTrigger"]


def _as_2d(x: np.ndarray | torch.Tensor, name: str, min_rows: int = 2) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2 or len(x) < min_rows:
        raise ValueError(f"Expected {name} of shape (N, ...) with N >= {min_rows}, but got shape {x.shape}")
    x = x.reshape(len(x), -1)  # (N, *) -> (N, d)
    if not np.isfinite(x).all():
        raise ValueError(f"Expected finite {name}, but got NaN or infinity")
    return x


@dataclass
class DriftReport:
    """The result of one check: per-feature KS statistics and p-values, the features that drifted, and the
    verdict (any feature's p-value below ``alpha / num_features``)."""

    statistics: np.ndarray
    p_values: np.ndarray
    threshold: float
    drifted_features: list[int]

    @property
    def drifted(self) -> bool:
        return bool(self.drifted_features)


class DriftDetector:
    """Per-feature two-sample Kolmogorov-Smirnov tests against a reference sample, Bonferroni-corrected.

    Args:
        reference: inputs from the training distribution, ``(N, ...)`` (flattened to ``(N, d)`` features).
        alpha: family-wise false-alarm rate on data from the reference distribution.

    Example:
        >>> import numpy as np
        >>> from dlkit.deploy.monitoring import DriftDetector
        >>> rng = np.random.default_rng(0)
        >>> detector = DriftDetector(rng.normal(size=(500, 3)), alpha=0.01)
        >>> detector.check(rng.normal(size=(200, 3))).drifted   # same distribution
        False
        >>> shifted = rng.normal(size=(200, 3)) + [0.0, 0.0, 0.5]  # feature 2 moved by half a standard deviation
        >>> detector.check(shifted).drifted_features
        [2]
    """

    def __init__(self, reference: np.ndarray | torch.Tensor, *, alpha: float = 0.01) -> None:
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"Expected alpha in (0, 1), but got {alpha}")
        self.reference = _as_2d(reference, "reference inputs")
        self.alpha = alpha

    @property
    def num_features(self) -> int:
        return self.reference.shape[1]

    def check(self, inputs: np.ndarray | torch.Tensor) -> DriftReport:
        """Test each feature of ``inputs`` against the reference; see ``DriftReport``."""
        x = _as_2d(inputs, "inputs")
        if x.shape[1] != self.num_features:
            raise ValueError(f"Expected inputs with {self.num_features} features, but got {x.shape[1]}")
        result = stats.ks_2samp(self.reference, x, axis=0)  # one test per column
        statistic, p_values = np.atleast_1d(result.statistic), np.atleast_1d(result.pvalue)
        threshold = self.alpha / self.num_features  # Bonferroni
        drifted = [int(i) for i in np.flatnonzero(p_values < threshold)]
        return DriftReport(statistics=statistic, p_values=p_values, threshold=threshold, drifted_features=drifted)


class RetrainingTrigger:
    """Collects served inputs and, once ``window`` have arrived, checks them for drift: ``observe`` returns
    ``True`` (retrain!) when they drifted. Each full window is checked once and then forgotten.

    Args:
        detector: a ``DriftDetector`` built on training inputs.
        window: how many inputs one check looks at (more: smaller shifts detected, later).

    Example:
        >>> import numpy as np
        >>> from dlkit.deploy.monitoring import DriftDetector, RetrainingTrigger
        >>> rng = np.random.default_rng(0)
        >>> trigger = RetrainingTrigger(DriftDetector(rng.normal(size=(500, 2))), window=200)
        >>> [trigger.observe(rng.normal(size=(100, 2))) for _ in range(2)]   # fresh data: a window, no alarm
        [False, False]
        >>> [trigger.observe(rng.normal(size=(100, 2)) + 1.0) for _ in range(2)]   # shifted: fires on the window
        [False, True]
        >>> trigger.checks, trigger.alarms
        (2, 1)
    """

    def __init__(self, detector: DriftDetector, *, window: int = 200) -> None:
        if not isinstance(detector, DriftDetector):
            raise TypeError(f"Expected a DriftDetector, but got {type(detector).__name__}")
        if window < 2:
            raise ValueError(f"Expected window >= 2, but got {window}")
        self.detector, self.window = detector, window
        self.buffer: list[np.ndarray] = []
        self.checks, self.alarms = 0, 0
        self.last_report: DriftReport | None = None

    def observe(self, inputs: np.ndarray | torch.Tensor) -> bool:
        """Add a batch of served inputs; ``True`` when a full window was checked and had drifted."""
        x = _as_2d(inputs, "inputs", min_rows=1)
        if x.shape[1] != self.detector.num_features:
            raise ValueError(f"Expected inputs with {self.detector.num_features} features, but got {x.shape[1]}")
        self.buffer.append(x)
        if sum(len(b) for b in self.buffer) < self.window:
            return False
        window = np.concatenate(self.buffer)
        self.buffer = []
        self.checks += 1
        self.last_report = self.detector.check(window)
        self.alarms += self.last_report.drifted
        return self.last_report.drifted
