"""What a task logs equals scikit-learn on the same predictions: val_acc/val_f1 of the classifier, the language
models' token accuracy, and seq2seq's token accuracy and exact match.

Each task is validated by a Trainer over several batches of a tiny random data set (so the epoch value must
aggregate batches correctly); the reference recomputes the network's predictions batch by batch outside Lightning.
"""

from __future__ import annotations

import math

import numpy as np
import pytorch_lightning as pl
import torch
from sklearn.metrics import accuracy_score, f1_score
from torch.utils.data import DataLoader, TensorDataset

from dlkit.tasks import CausalLMTask, ClassificationTask, MaskedLMTask, Seq2SeqTask
from dlkit.tasks.language_model import IGNORE_INDEX
from dlkit.tasks.seq2seq import ids_to_tokens
from dlkit.training import make_trainer

REL = 1e-6  # float32 counts up to a few hundred: exact ratios, so only rounding separates the two
LM = {"vocab_size": 10, "max_len": 8, "d_model": 16, "num_heads": 2, "num_layers": 1}


def validate(task: pl.LightningModule, loader: DataLoader) -> dict[str, float]:
    return make_trainer(accelerator="cpu").validate(task, dataloaders=loader, verbose=False)[0]


def reference_outputs(task, loader: DataLoader) -> tuple[np.ndarray, np.ndarray]:
    """(predicted ids, targets) of every scored position, through the task's own hooks, batch by batch."""
    task.eval()
    predicted, expected = [], []
    with torch.no_grad():
        for index, batch in enumerate(loader):
            inputs, targets = task.inputs_and_targets(batch, "val", index)
            logits = task.network_outputs(inputs)
            predicted.append(logits.argmax(dim=-1).flatten())
            expected.append(targets.flatten())
    return torch.cat(predicted).numpy(), torch.cat(expected).numpy()


def test_classification_acc_and_macro_f1_equal_sklearn():
    torch.manual_seed(0)
    x, y = torch.randn(70, 5), torch.arange(70) % 4
    task = ClassificationTask(
        model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 5, "out_features": 4, "hidden_dims": (8,)},
        num_classes=4,
    )
    loader = DataLoader(TensorDataset(x, y), batch_size=16)  # 5 batches, the last one of 6
    task.validation_step((100 * torch.randn(8, 5), torch.zeros(8, dtype=torch.long)), 0)  # as if a run stopped
    logged = validate(task, loader)  # starts afresh: the stray batch counts nowhere
    predicted, expected = reference_outputs(task, loader)
    assert 0.1 < logged["val_acc"] < 0.9  # neither trivial nor perfect: the comparison means something
    assert math.isclose(logged["val_acc"], accuracy_score(expected, predicted), rel_tol=REL)
    assert math.isclose(logged["val_f1"], f1_score(expected, predicted, average="macro"), rel_tol=REL)
    with torch.no_grad():  # the epoch's loss: batch means weighted by batch size = the mean over all samples
        mean_loss = torch.nn.functional.cross_entropy(task(x), y).item()
    assert math.isclose(logged["val_loss"], mean_loss, rel_tol=1e-5)


def test_causal_lm_token_accuracy_equals_sklearn():
    torch.manual_seed(0)
    ids = torch.randint(0, 10, (20, 9))
    task = CausalLMTask(model="dlkit.models.gpt.GPT", model_kwargs=LM)
    loader = DataLoader(TensorDataset(ids[:, :-1], ids[:, 1:]), batch_size=6)  # next-token targets
    logged = validate(task, loader)
    predicted, expected = reference_outputs(task, loader)
    assert math.isclose(logged["val_acc"], accuracy_score(expected, predicted), rel_tol=REL)


def test_masked_lm_accuracy_counts_the_masked_positions_only():
    torch.manual_seed(0)
    ids = torch.randint(2, 10, (20, 8))
    task = MaskedLMTask(model="dlkit.models.bert.BERT", model_kwargs=LM, mask_id=1, mask_prob=0.3, protected_ids=(0,))
    loader = DataLoader(TensorDataset(ids), batch_size=6)
    logged = validate(task, loader)
    predicted, expected = reference_outputs(task, loader)  # validation masks are seeded by the batch index
    scored = expected != IGNORE_INDEX
    assert 0 < scored.sum() < len(expected)
    assert math.isclose(logged["val_acc"], accuracy_score(expected[scored], predicted[scored]), rel_tol=REL)


def test_seq2seq_token_accuracy_and_exact_match_equal_sklearn():
    torch.manual_seed(0)
    n, pad = 18, 0
    src = torch.randint(3, 10, (n, 5))
    lengths = torch.randint(2, 6, (n,))
    tgt = torch.full((n, 7), pad)
    for row, length in enumerate(lengths.tolist()):  # <bos> y_1 .. y_length <eos> <pad> ...
        tgt[row, : length + 2] = torch.cat([torch.tensor([1]), torch.randint(3, 10, (length,)), torch.tensor([2])])
    task = Seq2SeqTask(
        model="dlkit.models.transformer.Seq2SeqTransformer",
        model_kwargs={"src_vocab_size": 10, "tgt_vocab_size": 10, "d_model": 16, "num_heads": 2, "num_layers": 1},
        pad_id=pad, max_new_tokens=6,
    )
    with torch.no_grad():  # half the targets are what the untrained network decodes: exact match near 0.5
        tgt[: n // 2] = torch.cat([torch.ones(n // 2, 1, dtype=torch.long), task.translate(src[: n // 2])], dim=1)
    loader = DataLoader(TensorDataset(src, tgt), batch_size=5)
    logged = validate(task, loader)
    predicted, expected = reference_outputs(task, loader)
    scored = expected != pad  # padding is not scored
    assert math.isclose(logged["val_token_acc"], accuracy_score(expected[scored], predicted[scored]), rel_tol=REL)
    with torch.no_grad():
        decoded = ids_to_tokens(task.translate(src), eos_id=2, pad_id=pad)
    references = ids_to_tokens(tgt[:, 1:], eos_id=2, pad_id=pad)
    exact = accuracy_score(references, decoded)  # the share of whole sequences decoded exactly
    assert 0.4 < exact < 0.7
    assert math.isclose(logged["val_exact_match"], exact, rel_tol=REL)
    assert "train_exact_match" not in logged and 0 <= logged["val_bleu"] <= 1
