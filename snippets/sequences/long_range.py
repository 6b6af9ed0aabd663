import pytorch_lightning as pl

from dlkit.data import ArrayDataModule
from dlkit.data.sequences import long_range_sequences
from dlkit.models.rnn import RecurrentNetwork
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# 3,000 one-hot sequences of 60 steps: the class
# is the first symbol, the other 59 are noise.
x, y = long_range_sequences(
    num_samples=3000, max_len=60, num_classes=2, num_noise_symbols=4, seed=0
)
datamodule = ArrayDataModule(
    x=x, y=y, task="classification", normalize=None, batch_size=50
)

test_acc = {}
runs = [
    ("RNN", "rnn", 0.0),
    ("LSTM", "lstm", 3.0),
    ("GRU", "gru", 3.0),
    ("LSTM, forget bias 0", "lstm", 0.0),
]
for name, cell, forget_bias in runs:
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(
        model=RecurrentNetwork,
        model_kwargs={
            "in_features": 6,
            "hidden_dim": 16,
            "out_features": 2,
            "cell": cell,
            "forget_bias": forget_bias,
        },
        num_classes=2,
        lr=3e-3,
    )
    trainer = make_trainer(max_epochs=4)
    trainer.fit(task, datamodule=datamodule)
    test_acc[name] = trainer.test(
        task, datamodule=datamodule, verbose=False
    )[0]["test_acc"]
print({name: round(acc, 3) for name, acc in test_acc.items()})
