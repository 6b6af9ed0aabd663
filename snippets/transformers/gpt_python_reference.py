import math

import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from dlkit.callbacks import History
from dlkit.data.corpus import CharCorpusDataModule, python_reference_corpus
from dlkit.models.gpt import GPT
from dlkit.tasks.language_model import CausalLMTask
from dlkit.training import make_trainer


def perplexity_by_hand(task, data):
    """exp(mean cross-entropy) of every next character of the validation windows."""
    x, y = data.val_set.tensors  # (N, T) inputs and (N, T) next characters
    was_training = task.training
    task.eval()
    with torch.no_grad():
        logits = task(x.to(task.device))  # (N, T, V)
    task.train(was_training)
    return math.exp(
        F.cross_entropy(logits.flatten(0, 1), y.to(task.device).flatten()).item()
    )


pl.seed_everything(0, verbose=False)
# Python's language reference, ~465,000 characters
text = "\n\n".join(python_reference_corpus().values())
corpus = CharCorpusDataModule(text=text, max_len=64, batch_size=64, val_fraction=0.02)
gpt_task = CausalLMTask(
    model=GPT,
    model_kwargs={
        "vocab_size": len(corpus.vocab),
        "max_len": 64,
        "d_model": 64,
        "num_heads": 4,
        "num_layers": 2,
    },
    lr=5e-3,
)
initial_perplexity = perplexity_by_hand(gpt_task, corpus)
gpt_history = History()
# 8 short "epochs" of 12 batches each, validating
# after each one to follow the perplexity.
gpt_trainer = make_trainer(
    max_epochs=8, limit_train_batches=12, callbacks=[gpt_history]
)
gpt_trainer.fit(gpt_task, datamodule=corpus)
print(
    f"{len(corpus.vocab)} characters; validation perplexity {initial_perplexity:.1f} "
    f"before training, {gpt_history['val_perplexity'][-1]:.2f} after"
)
