import pytorch_lightning as pl
from pytorch_lightning.callbacks import LambdaCallback

from dlkit.data import DigitsDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
datamodule = DigitsDataModule(as_images=False, batch_size=256)
task = ClassificationTask(
    model=MLP,
    model_kwargs={"in_features": 64, "out_features": 10, "hidden_dims": (64,)},
    num_classes=10,
    optimizer="sgd",
    lr=0.1,
    momentum=0.9,
    # any torch scheduler argument, as primitives
    scheduler="cosine",
    scheduler_kwargs={"T_max": 10},
)
epoch_lrs = []   # the learning rate each epoch trained with
record_lr = LambdaCallback(
    on_train_epoch_start=lambda trainer, module: epoch_lrs.append(
        trainer.optimizers[0].param_groups[0]["lr"]
    )
)
trainer = make_trainer(max_epochs=10, callbacks=[record_lr])
trainer.fit(task, datamodule=datamodule)
test_acc = trainer.test(task, datamodule=datamodule, verbose=False)[0]["test_acc"]
print(
    f"learning rates: {[round(lr, 4) for lr in epoch_lrs]}; test accuracy "
    f"{test_acc:.3f}"
)
