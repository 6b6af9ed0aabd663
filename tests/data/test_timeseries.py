import numpy as np
import pytest
import torch

from dlkit.data.timeseries import ForecastDataModule, load_series, make_windows
from dlkit.models.rnn import RecurrentNetwork
from dlkit.tasks import RegressionTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_load_series():
    assert len(load_series("sunspots")) == 309
    with pytest.raises(ValueError, match="Expected a series name in"):
        load_series("airline")


def test_make_windows_targets_follow_the_window():
    x, y = make_windows(np.arange(10.0), window=4, horizon=2)
    assert x.shape == (5, 4, 1) and y.tolist() == [5.0, 6.0, 7.0, 8.0, 9.0]
    assert x[0, :, 0].tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("series", "window", "message"),
    [
        (np.zeros((5, 2)), 2, r"Expected a 1-D series, but got an array of shape \(5, 2\)"),
        (np.array([1.0, np.nan, 3.0, 4.0]), 2, r"Expected a series without NaN or infinity, but got 1 missing values"),
        (np.arange(3.0), 3, r"Expected a series of at least window \+ horizon = 4 values, but got 3"),
        (np.arange(3.0), 0, r"Expected window >= 1 and horizon >= 1"),
    ],
    ids=["rank", "nan", "too-short", "window"],
)
def test_make_windows_bad_input(series, window, message):
    with pytest.raises(ValueError, match=message):
        make_windows(series, window=window)


@pytest.mark.parametrize("relative", [True, False])
def test_split_in_time_and_back_to_original_units(relative):
    series = np.sin(np.arange(120) / 3.0) * 5 + np.arange(120) * 0.1
    dm = ForecastDataModule(series=series, window=12, val_size=10, test_size=20, relative=relative)
    index = dm.target_index
    assert index["train"].max() < index["val"].min() and index["val"].max() < index["test"].min()
    assert index["test"][-1] == 119
    for split in ("train", "val", "test"):
        targets = getattr(dm, f"{split}_set").tensors[1]
        assert np.allclose(dm.to_original(targets, split), series[index[split]], atol=1e-4)
    x_train = dm.train_set.tensors[0]
    assert x_train.shape == (len(index["train"]), 12, 1)


def test_forecast_datamodule_bad_sizes():
    with pytest.raises(ValueError, match="Expected positive val_size and test_size leaving training windows"):
        ForecastDataModule(series=np.arange(30.0), window=10, val_size=10, test_size=10)
    dm = ForecastDataModule(series=np.arange(30.0), window=5, val_size=5, test_size=5)
    with pytest.raises(ValueError, match="Expected 5 values for the test split, but got shape"):
        dm.to_original(np.zeros(4), "test")
    with pytest.raises(ValueError, match="Expected split to be one of"):
        dm.to_original(np.zeros(5), "future")


def test_forecaster_fast_dev_run_and_checkpoint(tmp_path):
    dm = ForecastDataModule(series=np.sin(np.arange(200) / 4.0), window=16, val_size=20, test_size=20, batch_size=32)
    task = RegressionTask(
        model=RecurrentNetwork, model_kwargs={"in_features": 1, "hidden_dim": 4, "out_features": 1, "cell": "gru"}
    )
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0], tmp_path / "forecast.ckpt")
    assert torch.isfinite(task(dm.test_set.tensors[0])).all()
