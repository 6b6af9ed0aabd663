import pytorch_lightning as pl
import torch

from dlkit.data.timeseries import ForecastDataModule, load_series
from dlkit.models.rnn import RecurrentNetwork
from dlkit.tasks import RegressionTask
from dlkit.training import make_trainer

co2 = load_series("co2")  # monthly Mauna Loa CO2 in ppm, March 1958 - December 2001
# Inputs: the last 24 months; target: the next month. The last 60 months are
# the test period, the 36 before them validation, everything earlier training.
datamodule = ForecastDataModule(
    series=co2, window=24, val_size=36, test_size=60, batch_size=32
)

pl.seed_everything(0, verbose=False)
task = RegressionTask(
    model=RecurrentNetwork,
    model_kwargs={
        "in_features": 1,
        "hidden_dim": 32,
        "out_features": 1,
        "cell": "lstm",
    },
    lr=1e-2,
)
trainer = make_trainer(max_epochs=25)
trainer.fit(task, datamodule=datamodule)

# (60, 1), scaled changes
outputs = torch.cat(trainer.predict(task, dataloaders=datamodule.test_dataloader()))
forecast = datamodule.to_original(outputs, "test")  # back to ppm
actual = co2.to_numpy()[datamodule.target_index["test"]]
print(
    f"test months: {len(actual)}, first forecast {forecast[0]:.2f} ppm vs actual "
    f"{actual[0]:.2f} ppm"
)
