import tempfile
from pathlib import Path

import pandas as pd
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import (
    EarlyStopping,
    LearningRateMonitor,
    ModelCheckpoint,
)
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger
from torchvision.transforms import v2

from dlkit.data import AugmentedDataModule, DigitsDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# 8x8 images in batches of 64: extra threads would only wait on each other
torch.set_num_threads(1)
pl.seed_everything(0, verbose=False)
run_dir = Path(tempfile.mkdtemp())          # logs and checkpoints of this run

# Data: the digits as 1x8x8 images; training images randomly shifted and rotated a
# little.
digits = DigitsDataModule(as_images=True, batch_size=64, seed=0)
datamodule = AugmentedDataModule(
    datamodule=digits, transform=v2.RandomAffine(degrees=10, translate=(0.1, 0.1))
)

# Model: a CNN with batch norm (inside CNN's blocks) and dropout before its head; Adam,
# and the learning rate divided by 5 when val_loss has not improved for 1 epoch
# (reduce-LR-on-plateau).
task = ClassificationTask(
    model=CNN, model_kwargs={"channels": (16, 32), "hidden_dim": 64, "dropout": 0.3},
    num_classes=10, lr=3e-3,
    scheduler="plateau", scheduler_kwargs={"factor": 0.2, "patience": 1},
)

# Callbacks: stop once val_loss has not improved for 3 epochs, keep the best epoch's
# weights on disk (and the last, to resume from), and log the learning rate next to the
# metrics.
early_stopping = EarlyStopping(monitor="val_loss", patience=3)
checkpoint = ModelCheckpoint(
    dirpath=run_dir / "checkpoints", monitor="val_loss", save_top_k=1, save_last=True,
    filename="best-{epoch:02d}-{val_loss:.4f}",
)
trainer = make_trainer(
    max_epochs=40,
    callbacks=[
        early_stopping, checkpoint, LearningRateMonitor(logging_interval="epoch")
    ],
    # the same values twice: metrics.csv (one row per logging call) and TensorBoard's
    # event file (what `tensorboard --logdir` serves as interactive curves)
    logger=[CSVLogger(run_dir, name="digits-cnn"),
            TensorBoardLogger(run_dir, name="tensorboard")],
    enable_checkpointing=True,
)
trainer.fit(task, datamodule=datamodule)
print(f"stopped after {trainer.current_epoch} epochs; best val_loss "
      f"{checkpoint.best_model_score.item():.4f} "
      f"in {Path(checkpoint.best_model_path).name}")
