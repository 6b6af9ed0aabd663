import tempfile
from pathlib import Path

import pytorch_lightning as pl

from dlkit.data import DigitsDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
workdir = Path(tempfile.mkdtemp())  # use any folder of yours instead
digits = DigitsDataModule(
    as_images=True, batch_size=64
)  # (1, 8, 8) images, standardised
cnn_task = ClassificationTask(
    model=CNN,
    model_kwargs={
        "in_channels": 1,
        "num_classes": 10,
        "image_size": 8,
        "channels": (16, 32),
    },
    num_classes=10,
    lr=3e-3,
)
trainer = make_trainer(max_epochs=8)
trainer.fit(cnn_task, datamodule=digits)
cnn_acc = trainer.test(cnn_task, datamodule=digits, verbose=False)[0]["test_acc"]
checkpoint = workdir / "digits_cnn.ckpt"
trainer.save_checkpoint(
    checkpoint, weights_only=True
)  # weights + hyperparameters, no optimiser state
print(
    f"CNN test accuracy: {cnn_acc:.4f}; "
    f"checkpoint: {checkpoint.stat().st_size / 1e3:.0f} kB"
)
