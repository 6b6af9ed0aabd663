import pytorch_lightning as pl

from dlkit.data import DigitsDataModule
from dlkit.metrics import collect_predictions
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
# 8x8 digits as 64 standardised pixels
digits = DigitsDataModule(as_images=False, batch_size=128, seed=0)
digits_task = ClassificationTask(
    model=MLP,
    model_kwargs={"in_features": 64, "out_features": 10, "hidden_dims": (64,)},
    num_classes=10,
    lr=3e-3,
)
make_trainer(max_epochs=5).fit(digits_task, datamodule=digits)

# Probabilities of the ten classes (360, 10) and the
# true digits (360,) of the test split, on the CPU.
digit_probabilities, digit_targets = collect_predictions(
    digits_task, digits.test_dataloader()
)
