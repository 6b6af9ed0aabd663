import time

import pytorch_lightning as pl
from sklearn.svm import SVC

from dlkit.data import DigitsDataModule
from dlkit.models.cnn import CNN
from dlkit.models.densenet import DenseNet
from dlkit.models.inception import Inception
from dlkit.models.resnet import ResNet
from dlkit.models.vgg import VGG
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# the same seeded split as every digits page
data = DigitsDataModule(as_images=True, batch_size=128, seed=0)
image = {"in_channels": 1, "num_classes": 10, "image_size": 8}
networks = {
    "CNN": (CNN, {"channels": (32, 64), "dropout": 0.2}),
    "VGG": (VGG, {"blocks": ((1, 32), (2, 64))}),
    "ResNet": (ResNet, {"channels": (32, 64), "blocks_per_stage": 1}),
    "DenseNet": (DenseNet, {"block_layers": (2, 2), "growth_rate": 16}),
    "Inception": (
        Inception,
        {
            "stem_channels": 16,
            "blocks": ((8, 8, 8, 8), (16, 16, 8, 8)),
            "reduce_channels": 8,
        },
    ),
}
epochs = 10
results = {}
for name, (network, kwargs) in networks.items():
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(
        model=network, model_kwargs={**image, **kwargs}, num_classes=10,
        lr=5e-3, scheduler="cosine", scheduler_kwargs={"T_max": epochs},
    )
    trainer = make_trainer(max_epochs=epochs)
    start = time.perf_counter()
    trainer.fit(task, datamodule=data)
    seconds = time.perf_counter() - start
    accuracy = trainer.test(task, datamodule=data, verbose=False)[0]["test_acc"]
    parameters = sum(p.numel() for p in task.net.parameters())
    results[name] = {"parameters": parameters, "accuracy": accuracy, "seconds": seconds}

# The classical reference on the same split: an RBF
# support-vector machine on the 64 standardised pixels.
# the same seeded split, each digit as a vector of 64 pixels
flat = DigitsDataModule(as_images=False, seed=0)
(x_train, y_train), (x_test, y_test) = flat.train_set.tensors, flat.test_set.tensors
start = time.perf_counter()
svm = SVC(kernel="rbf", C=10).fit(x_train.numpy(), y_train.numpy())
svm_seconds = time.perf_counter() - start
svm_acc = svm.score(x_test.numpy(), y_test.numpy())

print(f"{'network':<10} {'parameters':>10} {'test accuracy':>13} {'train s':>8}")
for name, row in results.items():
    print(
        f"{name:<10} {row['parameters']:>10,} {row['accuracy']:>13.4f} "
        f"{row['seconds']:>8.1f}"
    )
print(f"{'SVM (RBF)':<10} {'-':>10} {svm_acc:>13.4f} {svm_seconds:>8.1f}")
