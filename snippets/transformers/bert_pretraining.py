import pytorch_lightning as pl

from dlkit.callbacks import History
from dlkit.data.corpus import CharCorpusDataModule, python_reference_corpus
from dlkit.models.bert import BERT
from dlkit.tasks.language_model import MaskedLMTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
# Python's language reference: no labels anywhere
text = "\n\n".join(python_reference_corpus().values())
unlabelled = CharCorpusDataModule(
    text=text, max_len=64, specials=["<mask>"], batch_size=64, val_fraction=0.02
)
mask_id = unlabelled.vocab["<mask>"]  # id 0

bert_kwargs = {
    "vocab_size": len(unlabelled.vocab),
    "max_len": 64,
    "d_model": 64,
    "num_heads": 4,
    "num_layers": 2,
}
# lr=1e-3: at 3e-3 some seeds sat for the whole run on
# the plateau of "always answer a space" (see below).
mlm_task = MaskedLMTask(
    model=BERT, model_kwargs=bert_kwargs, mask_id=mask_id, mask_prob=0.25, lr=1e-3
)
mlm_history = History()
mlm_trainer = make_trainer(
    max_epochs=8, limit_train_batches=15, callbacks=[mlm_history]
)
mlm_trainer.fit(mlm_task, datamodule=unlabelled)
print(
    "validation masked-character accuracy per epoch:",
    [round(acc, 3) for acc in mlm_history["val_acc"]],
)
