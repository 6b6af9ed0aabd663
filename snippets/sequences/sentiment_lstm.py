import pytorch_lightning as pl

from dlkit.data.text import TweetsDataModule
from dlkit.models.rnn import RecurrentTextClassifier
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# 4,000 tweets drawn at random from the negative and
# positive ones; 70% train, 10% validation, 20% test.
datamodule = TweetsDataModule(
    classes=("negative", "positive"), num_samples=4000, max_len=40, min_freq=2, seed=0
)

pl.seed_everything(0, verbose=False)
lstm_task = ClassificationTask(
    model=RecurrentTextClassifier,
    model_kwargs={
        "vocab_size": len(datamodule.vocab),
        "num_classes": 2,
        "embedding_dim": 32,
        "hidden_dim": 32,
        "cell": "lstm",
        "pad_id": datamodule.vocab.pad_id,
    },
    num_classes=2,
    lr=3e-3,
)
trainer = make_trainer(max_epochs=5)
trainer.fit(lstm_task, datamodule=datamodule)
lstm_acc = trainer.test(lstm_task, datamodule=datamodule, verbose=False)[0]["test_acc"]
print(f"LSTM test accuracy: {lstm_acc:.3f}")
