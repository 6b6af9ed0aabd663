"""Plain PyTorch loop vs dlkit's Trainer defaults on the same small CNN digits run, interleaved.

Both sides do the same work: the same network from the same seed, the same batches in the same order (the data
module's loaders), the same Adam steps, a validation pass after every epoch, and the same metrics the
``ClassificationTask`` logs (the epoch's mean loss, accuracy and macro-F1 for training and validation, with the
same torchmetrics). The ratio of the median wall times is what Lightning and dlkit's task add. ``run`` also
reports how far the two runs' final metrics differ: zero, or float noise, shows the work was the same.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

from dlkit.data import DigitsDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

EPOCHS, LR, NUM_CLASSES = 12, 3e-3, 10
MODEL_KWARGS = {"in_channels": 1, "num_classes": NUM_CLASSES, "image_size": 8, "channels": (32, 64), "dropout": 0.2}


def _metrics() -> MetricCollection:
    """The metrics ClassificationTask computes for each split."""
    return MetricCollection(
        {
            "acc": MulticlassAccuracy(num_classes=NUM_CLASSES, average="micro", validate_args=False),
            "f1": MulticlassF1Score(num_classes=NUM_CLASSES, average="macro", validate_args=False),
        }
    )


def _epoch(
    net: torch.nn.Module, batches: Iterable, metrics: MetricCollection, stage: str, opt: torch.optim.Optimizer | None
) -> dict[str, float]:
    """One pass: training steps when ``opt`` is given, else evaluation; the epoch's mean loss and metrics."""
    loss_sum, count = torch.zeros(()), 0
    for x, y in batches:
        logits = net(x)
        loss = F.cross_entropy(logits, y)
        if opt is not None:
            opt.zero_grad()
            loss.backward()
            opt.step()
        loss_sum += loss.detach() * len(y)
        count += len(y)
        metrics.update(logits.detach(), y)
    values = {f"{stage}_loss": (loss_sum / count).item()}
    values.update({f"{stage}_{name}": value.item() for name, value in metrics.compute().items()})
    metrics.reset()
    return values


def plain_loop() -> tuple[float, float, dict[str, float]]:
    pl.seed_everything(0, verbose=False)
    dm = DigitsDataModule(as_images=True, batch_size=64)
    net = CNN(**MODEL_KWARGS)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    train_metrics, val_metrics = _metrics(), _metrics()
    start, cpu_start = time.perf_counter(), time.process_time()
    train_loader, val_loader = dm.train_dataloader(), dm.val_dataloader()  # once, as the Trainer does
    for _ in range(EPOCHS):
        net.train()
        logged = _epoch(net, train_loader, train_metrics, "train", opt)
        net.eval()
        with torch.no_grad():  # a validation pass per epoch, as the Trainer does
            logged.update(_epoch(net, val_loader, val_metrics, "val", None))
    return time.perf_counter() - start, time.process_time() - cpu_start, logged


def dlkit_trainer() -> tuple[float, float, dict[str, float]]:
    pl.seed_everything(0, verbose=False)
    dm = DigitsDataModule(as_images=True, batch_size=64)
    task = ClassificationTask(model=CNN, model_kwargs=MODEL_KWARGS, num_classes=NUM_CLASSES, lr=LR)
    trainer = make_trainer(max_epochs=EPOCHS, accelerator="cpu")
    start, cpu_start = time.perf_counter(), time.process_time()
    trainer.fit(task, datamodule=dm)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    return seconds, cpu_seconds, {name: float(value) for name, value in trainer.callback_metrics.items()}


def run(repeats: int = 5, threads: int = 2) -> dict:
    """Median wall and CPU (process) seconds of ``repeats`` interleaved runs of each side. On a machine that other
    work loads, wall times swing (threads wait for cores); the CPU time of a single-threaded run (``threads=1``)
    counts only the work done and is the steadier measure there."""
    torch.set_num_threads(threads)
    times: dict[str, list[float]] = {"plain": [], "dlkit": []}
    cpu_times: dict[str, list[float]] = {"plain": [], "dlkit": []}
    logged: dict[str, dict[str, float]] = {}
    for _ in range(repeats):  # interleaved, so drifts in machine load hit both alike
        for name, fn in (("plain", plain_loop), ("dlkit", dlkit_trainer)):
            seconds, cpu_seconds, logged[name] = fn()
            times[name].append(seconds)
            cpu_times[name].append(cpu_seconds)
    med = {k: statistics.median(v) for k, v in times.items()}
    cpu_med = {k: statistics.median(v) for k, v in cpu_times.items()}
    shared = sorted(set(logged["plain"]) & set(logged["dlkit"]))
    difference = {k: abs(logged["plain"][k] - logged["dlkit"][k]) / max(abs(logged["plain"][k]), 1e-12) for k in shared}
    return {
        "epochs": EPOCHS,
        "repeats": repeats,
        "threads": threads,
        "median_seconds": med,
        "all_seconds": times,
        "median_cpu_seconds": cpu_med,
        "all_cpu_seconds": cpu_times,
        "cpu_ratio_dlkit_over_plain": cpu_med["dlkit"] / cpu_med["plain"],
        "final_metrics": logged,
        "max_relative_difference_of_final_metrics": max(difference.values()),
        "ratio_dlkit_over_plain": med["dlkit"] / med["plain"],
    }


if __name__ == "__main__":
    import json
    import sys

    repeats, threads = (int(arg) for arg in (sys.argv[1:] + ["5", "2"][len(sys.argv) - 1 :])[:2])
    print(json.dumps(run(repeats=repeats, threads=threads), indent=2))
