import pytorch_lightning as pl

from dlkit.data import DigitsDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
datamodule = DigitsDataModule(as_images=False)  # 8x8 digits as vectors of 64 pixels
task = ClassificationTask(
    model=MLP,
    model_kwargs={"in_features": 64, "out_features": 10, "hidden_dims": (64,)},
    num_classes=10,
    lr=3e-3,
)
trainer = make_trainer(max_epochs=5)
trainer.fit(task, datamodule=datamodule)
results = trainer.test(task, datamodule=datamodule, verbose=False)
print(f"test accuracy: {results[0]['test_acc']:.3f}")
