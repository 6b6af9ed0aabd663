import pytorch_lightning as pl
from sklearn.datasets import load_digits
from torchvision.transforms import v2

from dlkit.data import ArrayDataModule
from dlkit.data.augment import AugmentedDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# The usual digits split (70/10/20, stratified, seed 0), pixels in [0, 1] so that the background is 0,
# the value rotations and shifts fill in.
digits = load_digits()
data = ArrayDataModule(x=digits.images / 16, y=digits.target, normalize=None, input_shape=(1, 8, 8), seed=0)
augmentations = {
    "none": None,
    "rotation ±10°": v2.RandomRotation(10, interpolation=v2.InterpolationMode.BILINEAR),
    "horizontal flip": v2.RandomHorizontalFlip(p=0.5),
}

accuracies, tasks = {}, {}
for name, transform in augmentations.items():
    pl.seed_everything(0, verbose=False)
    # only 100 training images (10 per digit), the same 100 both times; validation and test splits unchanged
    reduced = AugmentedDataModule(datamodule=data, transform=transform, train_size=100, batch_size=25, seed=0)
    task = ClassificationTask(
        model=CNN, model_kwargs={"channels": (16, 32), "dropout": 0.2}, num_classes=10, lr=3e-3
    )
    make_trainer(max_epochs=40, limit_val_batches=0).fit(task, datamodule=reduced)
    accuracies[name] = make_trainer().test(task, datamodule=reduced, verbose=False)[0]["test_acc"]
    tasks[name] = task
print(accuracies)
