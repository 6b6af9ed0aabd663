import pytorch_lightning as pl
from sklearn.datasets import load_digits

from dlkit.data import ArrayDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

digits = load_digits()
pl.seed_everything(0, verbose=False)
data = ArrayDataModule(  # pixels 0..16 scaled to [0, 1]: 0 is blank paper, 1 full ink
    x=digits.data / 16.0,
    y=digits.target,
    normalize=None,
    input_shape=(1, 8, 8),
    batch_size=64,
    seed=0,
)
task = ClassificationTask(
    model=CNN,
    model_kwargs={
        "in_channels": 1,
        "num_classes": 10,
        "image_size": 8,
        "channels": (16, 32),
        "hidden_dim": 64,
    },
    num_classes=10,
    lr=3e-3,
    scheduler="cosine",
    scheduler_kwargs={"T_max": 6},
)
trainer = make_trainer(max_epochs=6)
trainer.fit(task, datamodule=data)
test_acc = trainer.test(task, datamodule=data, verbose=False)[0]["test_acc"]
print(f"digits CNN test accuracy: {test_acc:.3f}")
net = (
    task.net.eval()
)  # the plain nn.Module; eval(): batch norm uses its running statistics
x_test, y_test = data.test_set.tensors  # (360, 1, 8, 8) in [0, 1], (360,)
