import pytorch_lightning as pl
from sklearn.datasets import load_digits

from dlkit.data import ArrayDataModule
from dlkit.models.cnn import CNN
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
digits = load_digits()
# Images scaled to [-1, 1], the range of the generators'
# tanh output; the usual seeded, stratified split.
gan_data = ArrayDataModule(
    x=digits.data / 8 - 1,
    y=digits.target,
    normalize=None,
    batch_size=64,
    input_shape=(1, 8, 8),
)

# The judge: a small CNN trained on the real digits,
# later asked which digit each generated image shows.
judge = ClassificationTask(
    model=CNN,
    model_kwargs={"channels": (8, 16), "hidden_dim": 32},
    num_classes=10,
    lr=3e-3,
)
judge_trainer = make_trainer(max_epochs=6)
judge_trainer.fit(judge, datamodule=gan_data)
judge_acc = judge_trainer.test(judge, datamodule=gan_data, verbose=False)[0]["test_acc"]
judge = judge.cpu().eval()
print(f"the judge classifies {judge_acc:.1%} of the real test digits correctly")
