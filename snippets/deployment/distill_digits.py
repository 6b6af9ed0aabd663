import statistics

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from dlkit.data import DigitsDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask, DistillationTask
from dlkit.tasks.distillation import distillation_targets
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
flat_digits = DigitsDataModule(as_images=False, batch_size=64)
x_train, y_train = flat_digits.train_set.tensors
x_test, y_test = flat_digits.test_set.tensors

# The teacher: a wide MLP, 133k parameters
teacher = ClassificationTask(
    model=MLP,
    model_kwargs={"in_features": 64, "out_features": 10, "hidden_dims": (256, 256)},
    num_classes=10,
    lr=1e-3,
)
make_trainer(max_epochs=10).fit(teacher, datamodule=flat_digits)
with torch.inference_mode():
    teacher_train_logits = teacher.eval()(x_train)  # computed once: the soft targets
    teacher_test_logits = teacher(x_test)


def student_fit(seed: int, alpha: float) -> MLP:
    """A 16-unit MLP (1.2k parameters); alpha = 0: labels alone, > 0: distilled."""
    pl.seed_everything(seed, verbose=False)
    task = DistillationTask(
        model=MLP,
        model_kwargs={"in_features": 64, "out_features": 10, "hidden_dims": (16,)},
        num_classes=10,
        lr=3e-3,
        temperature=2.0,
        alpha=alpha,
    )
    targets = distillation_targets(y_train, teacher_train_logits)  # (N, 1 + 10)
    loader = DataLoader(TensorDataset(x_train, targets), batch_size=64, shuffle=True)
    make_trainer(
        max_epochs=15
    ).fit(  # validation batches: plain (x, y), scored by cross-entropy
        task, train_dataloaders=loader, val_dataloaders=flat_digits.val_dataloader()
    )
    return task.net.eval()


def distance_to_teacher(student: MLP) -> dict[str, float]:
    with torch.inference_mode():
        logits = student(x_test)
    kl = F.kl_div(
        F.log_softmax(logits, 1),
        F.log_softmax(teacher_test_logits, 1),
        log_target=True,
        reduction="batchmean",
    ).item()
    agree = (logits.argmax(1) == teacher_test_logits.argmax(1)).float().mean().item()
    accuracy = (logits.argmax(1) == y_test).float().mean().item()
    return {"KL to teacher": kl, "agreement": agree, "accuracy": accuracy}


# The same student, seeds and steps; only the targets differ.
# Three seeds each: one is noise.
runs = {
    name: [distance_to_teacher(student_fit(seed, alpha)) for seed in (0, 1, 2)]
    for name, alpha in (("labels only", 0.0), ("distilled", 0.9))
}
results = {
    name: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
    for name, rs in runs.items()
}  # medians over the three seeds
teacher_acc = (teacher_test_logits.argmax(1) == y_test).float().mean().item()
print(f"teacher test accuracy: {teacher_acc:.3f}")
for name, r in results.items():
    print(
        f"{name:12} (median of 3): KL to teacher {r['KL to teacher']:.3f}, "
        f"agreement {r['agreement']:.3f}, accuracy {r['accuracy']:.3f}"
    )
