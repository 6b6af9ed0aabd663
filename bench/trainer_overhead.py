"""Plain PyTorch loop vs dlkit's Trainer defaults on the same small CNN digits run, interleaved.

Both train the same network on the same batches (same seed, same data module) for the same epochs;
the ratio of the median wall times is Lightning's overhead as dlkit configures it.
"""

from __future__ import annotations

import statistics
import time

import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from dlkit.data import DigitsDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

EPOCHS, LR = 12, 3e-3
MODEL_KWARGS = {"in_channels": 1, "num_classes": 10, "image_size": 8, "channels": (32, 64), "dropout": 0.2}


def plain_loop() -> tuple[float, float]:
    pl.seed_everything(0, verbose=False)
    dm = DigitsDataModule(as_images=True, batch_size=64)
    net = CNN(**MODEL_KWARGS)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    start = time.perf_counter()
    for _ in range(EPOCHS):
        net.train()
        for x, y in dm.train_dataloader():
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()
        net.eval()
        with torch.no_grad():  # a validation pass per epoch, as the Trainer does
            for x, y in dm.val_dataloader():
                F.cross_entropy(net(x), y)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        x, y = dm.test_set.tensors
        acc = (net(x).argmax(1) == y).float().mean().item()
    return seconds, acc


def dlkit_trainer() -> tuple[float, float]:
    pl.seed_everything(0, verbose=False)
    dm = DigitsDataModule(as_images=True, batch_size=64)
    task = ClassificationTask(model=CNN, model_kwargs=MODEL_KWARGS, num_classes=10, lr=LR)
    trainer = make_trainer(max_epochs=EPOCHS, accelerator="cpu")
    start = time.perf_counter()
    trainer.fit(task, datamodule=dm)
    seconds = time.perf_counter() - start
    acc = trainer.test(task, datamodule=dm, verbose=False)[0]["test_acc"]
    return seconds, acc


def run(repeats: int = 5) -> dict:
    torch.set_num_threads(2)
    times: dict[str, list[float]] = {"plain": [], "dlkit": []}
    accs: dict[str, float] = {}
    for _ in range(repeats):  # interleaved, so drifts in machine load hit both alike
        for name, fn in (("plain", plain_loop), ("dlkit", dlkit_trainer)):
            seconds, accs[name] = fn()
            times[name].append(seconds)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "epochs": EPOCHS,
        "repeats": repeats,
        "median_seconds": med,
        "all_seconds": times,
        "test_accuracy": accs,
        "ratio_dlkit_over_plain": med["dlkit"] / med["plain"],
    }
