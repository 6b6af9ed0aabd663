import pytorch_lightning as pl

from dlkit.data import DigitsDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
# same split, digits as (1, 8, 8) images
image_data = DigitsDataModule(as_images=True, batch_size=64)
cnn_task = ClassificationTask(
    model=CNN,
    model_kwargs={
        "in_channels": 1,
        "num_classes": 10,
        "image_size": 8,
        "channels": (32, 64),
        "dropout": 0.2,
    },
    num_classes=10,
    lr=3e-3,
    # anneal the learning rate to 0 over the 12 epochs: the last epochs settle, not jump
    scheduler="cosine",
    scheduler_kwargs={"T_max": 12},
)
cnn_trainer = make_trainer(max_epochs=12)
cnn_trainer.fit(cnn_task, datamodule=image_data)
cnn_acc = cnn_trainer.test(
    cnn_task, datamodule=image_data, verbose=False
)[0]["test_acc"]
print(f"CNN test accuracy: {cnn_acc:.4f}")
