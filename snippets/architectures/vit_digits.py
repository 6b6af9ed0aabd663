import time

import pytorch_lightning as pl

from dlkit.data import DigitsDataModule
from dlkit.models.cnn import CNN
from dlkit.models.vit import ViT
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

image = {"in_channels": 1, "num_classes": 10, "image_size": 8}
# network, its keyword arguments, learning rate, batch
# size, epochs: each with the recipe that suits it
runs = {
    "ViT": (
        ViT,
        {"patch_size": 4, "d_model": 64, "num_layers": 2, "num_heads": 4, "d_ff": 128},
        3e-3,
        64,
        15,
    ),
    "CNN": (CNN, {"channels": (32, 64), "dropout": 0.2}, 5e-3, 128, 10),
}
# one run is one draw: each seed has its own split and initial weights
seeds = (0, 1, 2)
results = {}
for name, (network, kwargs, lr, batch_size, epochs) in runs.items():
    accuracies, seconds = [], []
    for seed in seeds:
        pl.seed_everything(seed, verbose=False)
        # the same split for both networks
        data = DigitsDataModule(as_images=True, batch_size=batch_size, seed=seed)
        task = ClassificationTask(
            model=network, model_kwargs={**image, **kwargs}, num_classes=10,
            lr=lr, scheduler="cosine", scheduler_kwargs={"T_max": epochs},
        )
        trainer = make_trainer(max_epochs=epochs)
        start = time.perf_counter()
        trainer.fit(task, datamodule=data)
        seconds.append(time.perf_counter() - start)
        accuracies.append(
            trainer.test(task, datamodule=data, verbose=False)[0]["test_acc"]
        )
    parameters = sum(p.numel() for p in task.net.parameters())
    results[name] = {
        "parameters": parameters,
        "accuracies": accuracies,
        "mean": sum(accuracies) / len(seeds),
    }
    print(
        f"{name}: {parameters:,} parameters, test accuracy "
        f"{[round(a, 4) for a in accuracies]}, {sum(seconds):.1f} s"
    )
