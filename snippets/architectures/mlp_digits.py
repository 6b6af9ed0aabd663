import pytorch_lightning as pl

from dlkit.callbacks import History
from dlkit.data import DigitsDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
# 64 pixels per digit, standardised on train
datamodule = DigitsDataModule(as_images=False, batch_size=64)
mlp_task = ClassificationTask(
    model=MLP,
    model_kwargs={
        "in_features": 64,
        "out_features": 10,
        "hidden_dims": (512,),
        "dropout": 0.3,
    },
    num_classes=10,
    lr=1e-3,
)
history = History()  # keeps every epoch's logged metrics for the learning curve
trainer = make_trainer(max_epochs=30, callbacks=[history])
trainer.fit(mlp_task, datamodule=datamodule)
mlp_acc = trainer.test(mlp_task, datamodule=datamodule, verbose=False)[0]["test_acc"]
print(f"MLP test accuracy: {mlp_acc:.4f}")
