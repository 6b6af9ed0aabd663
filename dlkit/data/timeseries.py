"""Time series that ship with statsmodels, cut into windows for one-step-ahead forecasting, split in time.

A forecaster may only learn from the past: the training windows' targets come first in time, then the
validation targets, then the test targets at the end of the series. Nothing is shuffled across the split.
"""

from __future__ import annotations

import numpy as np
import torch

from dlkit.data.base import TensorDataModule

__all__ = ["SERIES", "load_series", "make_windows", "ForecastDataModule"]

SERIES = ("co2", "co2_weekly", "sunspots")


def load_series(name: str):  # -> pandas.Series (pandas comes with statsmodels; imported lazily)
    """A univariate series from statsmodels' bundled datasets (no download), as a ``pandas.Series`` by date.

    - ``"co2_weekly"``: Mauna Loa atmospheric CO₂ in ppm, weekly 1958-2001 (2,284 weeks, 59 of them missing: NaN);
    - ``"co2"``: the same as monthly means (526 months); the 5 months without any measurement are filled by
      linear interpolation in time;
    - ``"sunspots"``: yearly mean sunspot numbers 1700-2008 (309 years).

    Example:
        >>> from dlkit.data.timeseries import load_series
        >>> co2 = load_series("co2")
        >>> len(co2), str(co2.index[0].date()), round(float(co2.iloc[0]), 1), int(co2.isna().sum())
        (526, '1958-03-01', 316.1, 0)
        >>> int(load_series("co2_weekly").isna().sum())
        59
    """
    if name not in SERIES:
        raise ValueError(f"Expected a series name in {SERIES}, but got {name!r}")
    import pandas as pd
    from statsmodels import datasets

    if name == "sunspots":
        data = datasets.sunspots.load_pandas().data
        index = pd.to_datetime(data["YEAR"].astype(int).astype(str), format="%Y")
        return pd.Series(data["SUNACTIVITY"].to_numpy(dtype=np.float64), index=index, name="sunspots")
    weekly = datasets.co2.load_pandas().data["co2"].rename("co2")
    if name == "co2_weekly":
        return weekly
    return weekly.resample("MS").mean().interpolate(method="time")


def make_windows(series, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series into inputs ``x[i] = series[i : i + window]`` and targets ``y[i] = series[i + window + horizon - 1]``.

    Args:
        series: a 1-D array-like of numbers without NaN (a ``pandas.Series`` works).
        window: time steps per input.
        horizon: how far ahead of the window's last step the target lies (1: the next value).

    Returns:
        ``x`` of shape ``(N, window, 1)`` and ``y`` of shape ``(N,)``, float32, with ``N = len - window - horizon + 1``.

    Example:
        >>> import numpy as np
        >>> from dlkit.data.timeseries import make_windows
        >>> x, y = make_windows(np.arange(6.0), window=3)
        >>> x.shape, x[0, :, 0].tolist(), y.tolist()
        ((3, 3, 1), [0.0, 1.0, 2.0], [3.0, 4.0, 5.0])
    """
    values = np.asarray(series, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"Expected a 1-D series, but got an array of shape {values.shape}")
    if window < 1 or horizon < 1:
        raise ValueError(f"Expected window >= 1 and horizon >= 1, but got window={window}, horizon={horizon}")
    if len(values) < window + horizon:
        raise ValueError(
            f"Expected a series of at least window + horizon = {window + horizon} values, but got {len(values)}"
        )
    missing = np.flatnonzero(~np.isfinite(values))
    if len(missing):
        raise ValueError(
            f"Expected a series without NaN or infinity, but got {len(missing)} missing values "
            f"(first at positions {missing[:5].tolist()}); fill or drop them first"
        )
    count = len(values) - window - horizon + 1
    x = np.lib.stride_tricks.sliding_window_view(values, window)[:count]  # (N, window)
    y = values[window + horizon - 1 :]
    return x[:, :, None].astype(np.float32), y.astype(np.float32)  # (N, window, 1), (N,)


class ForecastDataModule(TensorDataModule):
    """One-step-ahead forecasting windows of a series, split in time: train, then validation, then test.

    Each window is expressed **relative to its own last value** (``relative=True``): the inputs are
    ``x - x[-1]`` and the target is the change ``y - x[-1]``, both divided by the standard deviation of the
    training changes. A network then learns the pattern of changes, which stays valid when the level of the
    series (CO₂'s rising trend) leaves the range seen in training; predicting 0 is the naive last-value forecast.
    With ``relative=False`` values are standardised with the training part's mean and standard deviation.
    ``to_original`` turns the network's outputs back into the series' units.

    Args:
        series: a 1-D series without NaN (e.g. ``load_series("co2")``).
        window: past values per input.
        val_size: number of targets (time steps) for validation, just before the test targets.
        test_size: number of targets at the end of the series for testing.
        relative: see above.
        batch_size, seed: see ``dlkit.data.base.TensorDataModule``.

    Attributes:
        target_index: ``{"train"|"val"|"test": positions of the targets in the series}``.
        offsets: ``{split: what was subtracted from each target}``; ``scale``: what it was divided by.

    Example:
        >>> import numpy as np
        >>> from dlkit.data.timeseries import ForecastDataModule
        >>> dm = ForecastDataModule(series=np.arange(100.0), window=10, val_size=12, test_size=24)
        >>> len(dm.train_set), len(dm.val_set), len(dm.test_set)
        (54, 12, 24)
        >>> int(dm.target_index["test"][0]), int(dm.target_index["test"][-1])  # the last 24 steps
        (76, 99)
        >>> dm.to_original(dm.test_set.tensors[1], "test")[:3].tolist()  # back to the series' units
        [76.0, 77.0, 78.0]
    """

    def __init__(
        self,
        *,
        series,
        window: int,
        val_size: int,
        test_size: int,
        relative: bool = True,
        batch_size: int = 64,
        seed: int = 0,
    ) -> None:
        x, y = make_windows(series, window)  # (N, window, 1), (N,); target i sits at position window + i
        if val_size < 1 or test_size < 1 or val_size + test_size >= len(y):
            raise ValueError(
                f"Expected positive val_size and test_size leaving training windows (there are {len(y)} windows), "
                f"but got val_size={val_size}, test_size={test_size}"
            )
        bounds = {
            "train": (0, len(y) - val_size - test_size),
            "val": (len(y) - val_size - test_size, len(y) - test_size),
            "test": (len(y) - test_size, len(y)),
        }
        self.window, self.relative = window, relative
        self.target_index = {name: np.arange(a, b) + window for name, (a, b) in bounds.items()}
        train_end = bounds["train"][1]
        if relative:
            last = x[:, -1, 0]  # (N,) each window's last value
            inputs, targets = x - last[:, None, None], y - last
            self.scale = float(targets[:train_end].std()) or 1.0
            offsets = last
        else:
            train_values = np.asarray(series, dtype=np.float64)[: train_end + window]  # values the train split sees
            mean = float(train_values.mean())
            inputs, targets = x - mean, y - mean
            self.scale = float(train_values.std()) or 1.0
            offsets = np.full_like(y, mean)
        self.offsets = {name: offsets[a:b] for name, (a, b) in bounds.items()}

        def split(name: str) -> tuple[torch.Tensor, torch.Tensor]:
            a, b = bounds[name]
            return (
                torch.from_numpy(inputs[a:b] / self.scale).float(),
                torch.from_numpy(targets[a:b] / self.scale).float(),
            )

        super().__init__(train=split("train"), val=split("val"), test=split("test"), batch_size=batch_size, seed=seed)

    def to_original(self, values: torch.Tensor | np.ndarray, split: str) -> np.ndarray:
        """Network outputs (or targets) of ``split`` in the series' units: ``values * scale + offset``."""
        if split not in self.offsets:
            raise ValueError(f"Expected split to be one of {sorted(self.offsets)}, but got {split!r}")
        values = values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]  # (N, 1) -> (N,)
        if values.shape != self.offsets[split].shape:
            raise ValueError(
                f"Expected {len(self.offsets[split])} values for the {split} split, but got shape {values.shape}"
            )
        return values.astype(np.float64) * self.scale + self.offsets[split]
