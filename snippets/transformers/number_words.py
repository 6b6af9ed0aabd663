import pytorch_lightning as pl

from dlkit.callbacks import History
from dlkit.data.seq2seq import NumberWordsDataModule
from dlkit.models.transformer import Seq2SeqTransformer
from dlkit.tasks.seq2seq import Seq2SeqTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
numbers = NumberWordsDataModule(
    max_number=9999, num_train=3000, num_val=300, num_test=500, batch_size=100
)
seq2seq_task = Seq2SeqTask(
    model=Seq2SeqTransformer,
    model_kwargs={
        "src_vocab_size": len(numbers.vocab),
        "tgt_vocab_size": len(numbers.vocab),
        "pad_id": numbers.pad_id,
        "d_model": 64,
        "num_heads": 4,
        "num_layers": 2,
        "d_ff": 128,
        "max_len": 16,
    },
    pad_id=numbers.pad_id,
    bos_id=numbers.bos_id,
    eos_id=numbers.eos_id,
    max_new_tokens=numbers.max_tgt_len - 1,
    lr=3e-3,
)
seq2seq_history = History()
seq2seq_trainer = make_trainer(max_epochs=4, callbacks=[seq2seq_history])
seq2seq_trainer.fit(seq2seq_task, datamodule=numbers)
scores = seq2seq_trainer.test(seq2seq_task, datamodule=numbers, verbose=False)[0]
print(
    f"test exact match {scores['test_exact_match']:.3f}, BLEU {scores['test_bleu']:.3f}"
)
