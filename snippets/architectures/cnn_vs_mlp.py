import pytorch_lightning as pl

from dlkit.data import DigitsDataModule
from dlkit.models.cnn import CNN
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# (1, 8, 8) images; the MLP flattens them to 64 values
data = DigitsDataModule(as_images=True, batch_size=128)
networks = {
    "MLP": (
        MLP,
        {"in_features": 64, "out_features": 10, "hidden_dims": (512,), "dropout": 0.3},
    ),
    "CNN": (
        CNN,
        {
            "in_channels": 1,
            "num_classes": 10,
            "image_size": 8,
            "channels": (16, 32),
            "hidden_dim": 64,
            "dropout": 0.2,
        },
    ),
}
results = {}
for name, (network, kwargs) in networks.items():
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(
        model=network,
        model_kwargs=kwargs,
        num_classes=10,
        lr=1e-2,
        scheduler="cosine",
        scheduler_kwargs={"T_max": 10},
    )
    trainer = make_trainer(max_epochs=10)
    trainer.fit(task, datamodule=data)
    accuracy = trainer.test(task, datamodule=data, verbose=False)[0]["test_acc"]
    results[name] = {
        "parameters": sum(p.numel() for p in task.parameters()),
        "accuracy": accuracy,
        "task": task,
    }
    print(
        f"{name}: {results[name]['parameters']:,} parameters, test accuracy "
        f"{accuracy:.4f}"
    )
