"""Data-parallel training with Lightning's DDP strategy: 2 processes, each with its
share of every batch.

Run as a script: `python snippets/deployment/ddp_digits.py OUTPUT_FOLDER`. Lightning
starts the second process by running this script again; the processes average their
gradients after every backward pass (all-reduce), over gloo between CPU processes, or
NCCL between GPUs where there are two.
"""

import json
import os
import sys
from pathlib import Path

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from dlkit.data import DigitsDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer


class FirstGradients(pl.Callback):
    """Saves rank 0's gradients before the first optimiser step (after all-reduce)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def on_before_optimizer_step(self, trainer, pl_module, optimizer):
        if trainer.global_step == 0 and trainer.is_global_zero:
            grads = {
                n: p.grad.detach().cpu().clone()
                for n, p in pl_module.named_parameters()
            }
            torch.save(grads, self.path)


def new_task() -> ClassificationTask:
    pl.seed_everything(0, verbose=False)  # the same initial weights in every process
    return ClassificationTask(
        model=MLP,
        num_classes=10,
        lr=3e-3,
        model_kwargs={"in_features": 64, "out_features": 10},
    )


def main(out: Path) -> None:
    accelerator = (
        "gpu" if torch.cuda.device_count() >= 2 else "cpu"
    )  # 2 GPUs, or 2 CPU processes
    ddp = {"accelerator": accelerator, "devices": 2, "strategy": "ddp"}
    # 32 per process: 64 per step
    digits = DigitsDataModule(as_images=False, batch_size=32)
    rank0 = os.environ.get("LOCAL_RANK", "0") == "0"

    # 1. One step on the first 64 training digits, 32 in each process (Lightning's
    #    DistributedSampler gives rank 0 the even positions, rank 1 the odd ones).
    x, y = digits.train_set.tensors
    first64 = DataLoader(TensorDataset(x[:64], y[:64]), batch_size=32, shuffle=False)
    task = new_task()
    if rank0:  # what the step started from, for a one-process check
        torch.save(
            {"state": task.state_dict(), "x": x[:64], "y": y[:64]}, out / "initial.pt"
        )
    make_trainer(
        max_steps=1, callbacks=[FirstGradients(out / "ddp_grads.pt")], **ddp
    ).fit(task, train_dataloaders=first64)

    # 2. A whole fit, 8 epochs, on 2 processes. Each process validates on its half of
    #    the 180 validation digits; the logged val_loss and val_acc add up both halves.
    task = new_task()
    trainer = make_trainer(max_epochs=8, **ddp)
    trainer.fit(task, datamodule=digits)
    if trainer.is_global_zero:
        # the same trained weights, evaluated in one process on all 180 digits
        x_val, y_val = digits.val_set.tensors
        task.eval()
        with torch.no_grad():
            logits = task(x_val.to(task.device)).cpu()
        summary = {
            "world_size": trainer.world_size,
            "strategy": type(trainer.strategy).__name__,
            "accelerator": accelerator,
            "val_loss": float(trainer.callback_metrics["val_loss"]),
            "val_acc": float(trainer.callback_metrics["val_acc"]),
            "one_process_val_loss": float(F.cross_entropy(logits, y_val)),
            "one_process_val_acc": float((logits.argmax(1) == y_val).float().mean()),
        }
        (out / "ddp_summary.json").write_text(json.dumps(summary))

    # 3. Close the process group while both processes are alive. Lightning leaves a
    #    gloo group open, and gloo's threads can then abort a process as Python shuts
    #    down ("terminate called without an active exception", pytorch issue 190489).
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
