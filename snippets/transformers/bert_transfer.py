import pytorch_lightning as pl
from torch.utils.data import DataLoader, TensorDataset

from dlkit.callbacks import History
from dlkit.data.structured import topic_sequences
from dlkit.models.bert import BERT, BERTClassifier
from dlkit.tasks import ClassificationTask
from dlkit.tasks.language_model import MaskedLMTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
num_topics, words_per_topic, mask_id = 4, 24, 0  # 96 words (ids 1..96) + [MASK] (id 0)
kwargs = {
    "vocab_size": 1 + num_topics * words_per_topic,
    "max_len": 12,
    "d_model": 32,
    "num_heads": 4,
    "num_layers": 2,
}

# 1. Self-supervised: 2,000 unlabelled sentences of 12 words, a
# quarter of them hidden at every step (and 1,000 held-out
# sentences with fixed masks to measure the masked-word accuracy).
text, _ = topic_sequences(
    3000, max_len=12, num_topics=num_topics, words_per_topic=words_per_topic, seed=1
)
pretrain_task = MaskedLMTask(
    model=BERT, model_kwargs=kwargs, mask_id=mask_id, mask_prob=0.25, lr=3e-3
)
pretrain_history = History()
make_trainer(max_epochs=8, callbacks=[pretrain_history]).fit(
    pretrain_task,
    train_dataloaders=DataLoader(
        TensorDataset(text[:2000]), batch_size=128, shuffle=True
    ),
    val_dataloaders=DataLoader(TensorDataset(text[2000:]), batch_size=1000),
)

# 2. Downstream: name the topic of a 4-word
# sequence, from 8 labelled examples (2 per topic).
x_few, y_few = topic_sequences(
    8,
    max_len=4,
    num_topics=num_topics,
    words_per_topic=words_per_topic,
    balanced=True,
    seed=2,
)
x_test, y_test = topic_sequences(
    800, max_len=4, num_topics=num_topics, words_per_topic=words_per_topic, seed=3
)


def fine_tune(pretrained=None, freeze=False, lr=1e-3):
    """The same BERTClassifier, labels and budget; only the starting weights differ."""
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(
        model=BERTClassifier,
        model_kwargs={**kwargs, "num_classes": num_topics},
        num_classes=num_topics,
        lr=lr,
    )
    if pretrained is not None:
        task.net.encoder.load_state_dict(pretrained.encoder.state_dict())
        # frozen: only the linear classifier learns (a probe)
        task.net.encoder.requires_grad_(not freeze)
    # scored once, after the 60 steps
    trainer = make_trainer(max_epochs=60, check_val_every_n_epoch=60)
    trainer.fit(
        task,
        train_dataloaders=DataLoader(TensorDataset(x_few, y_few), batch_size=8),
        val_dataloaders=DataLoader(TensorDataset(x_test, y_test), batch_size=800),
    )
    # accuracy on the 800 held-out sentences
    return trainer.callback_metrics["val_acc"].item()


accuracy = {
    "from scratch": fine_tune(),
    "pretrained, fine-tuned": fine_tune(pretrain_task.net),
    "pretrained, frozen + linear probe": fine_tune(pretrain_task.net, freeze=True),
}
print(
    "held-out masked-word accuracy per epoch: "
    f"{[round(acc, 3) for acc in pretrain_history['val_acc']]}"
)
print({name: round(acc, 3) for name, acc in accuracy.items()})
