import statistics

import pytorch_lightning as pl
import torch
from sklearn.datasets import load_digits
from torchvision.transforms import v2

from dlkit.data import ArrayDataModule
from dlkit.data.augment import AugmentedDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

digits = load_digits()
augmentations = {
    "none": None,
    "rotation ±10°": v2.RandomRotation(10, interpolation=v2.InterpolationMode.BILINEAR),
    "horizontal flip": v2.RandomHorizontalFlip(p=0.5),
}

# One run is one draw: three seeds, each its own
# digits split, 100-image subset and initial weights.
seeds = (0, 1, 2)
accuracies = {name: [] for name in augmentations}  # test accuracy per seed
# the network trained without augmentation, on the mirror images of its test digits
mirrored = []
for seed in seeds:
    # The usual digits split (70/10/20, stratified), pixels in [0,
    # 1] so that the background is 0, the value rotations fill in.
    data = ArrayDataModule(
        x=digits.images / 16,
        y=digits.target,
        normalize=None,
        input_shape=(1, 8, 8),
        seed=seed,
    )
    # (360, 1, 8, 8), untouched by any augmentation
    x_test, y_test = data.test_set.tensors
    for name, transform in augmentations.items():
        pl.seed_everything(seed, verbose=False)
        # only 100 training images (10 per digit), the
        # same 100 for every augmentation of this seed
        reduced = AugmentedDataModule(
            datamodule=data,
            transform=transform,
            train_size=100,
            batch_size=25,
            seed=seed,
        )
        task = ClassificationTask(
            model=CNN,
            model_kwargs={"channels": (16, 32), "dropout": 0.2},
            num_classes=10,
            lr=3e-3,
        )
        make_trainer(max_epochs=40, limit_val_batches=0).fit(task, datamodule=reduced)
        accuracies[name].append(
            make_trainer().test(task, datamodule=reduced, verbose=False)[0]["test_acc"]
        )
        if name == "none":
            with torch.no_grad():
                # the task may sit on a GPU
                logits = task.eval()(x_test.flip(-1).to(task.device))
            mirrored.append(
                (logits.argmax(dim=1).cpu() == y_test).float().mean().item()
            )

medians = {name: statistics.median(accs) for name, accs in accuracies.items()}
print(
    {name: round(acc, 3) for name, acc in medians.items()},
    "mirrored:",
    round(statistics.median(mirrored), 3),
)
