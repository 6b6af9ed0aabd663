import math
from collections import Counter

import pytest
import torch
from torchmetrics.text import BLEUScore

from dlkit.models.transformer import Seq2SeqTransformer
from dlkit.tasks.seq2seq import Seq2SeqTask, ids_to_tokens


def bleu_by_hand(candidates, references, n_gram=4):
    """Corpus BLEU: brevity penalty times the geometric mean of clipped n-gram precisions."""
    matches, totals, cand_len, ref_len = [0] * n_gram, [0] * n_gram, 0, 0
    for cand, ref in zip(candidates, references):
        c, r = cand.split(), ref.split()
        cand_len, ref_len = cand_len + len(c), ref_len + len(r)
        for n in range(1, n_gram + 1):
            c_ngrams = Counter(tuple(c[i : i + n]) for i in range(len(c) - n + 1))
            r_ngrams = Counter(tuple(r[i : i + n]) for i in range(len(r) - n + 1))
            matches[n - 1] += sum(min(k, r_ngrams[g]) for g, k in c_ngrams.items())
            totals[n - 1] += max(len(c) - n + 1, 0)
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals)) / n_gram
    brevity = 1.0 if cand_len > ref_len else math.exp(1 - ref_len / cand_len)
    return brevity * math.exp(log_precision)


def test_torchmetrics_bleu_equals_bleu_by_hand():
    candidates = ["three hundred twenty one", "seven thousand five hundred two", "forty - two"]
    references = ["three hundred twenty - one", "seven thousand five hundred two", "forty - two"]
    expected = bleu_by_hand(candidates, references)
    assert 0.5 < expected < 1.0
    assert math.isclose(BLEUScore()(candidates, [[r] for r in references]).item(), expected, rel_tol=1e-5)


def test_ids_to_tokens_cuts_at_eos():
    assert ids_to_tokens(torch.tensor([[4, 5, 2, 7], [2, 0, 0, 0]]), eos_id=2, pad_id=0) == ["4 5", ""]


def test_special_ids_must_differ():
    with pytest.raises(ValueError, match="Expected distinct pad_id, bos_id and eos_id"):
        Seq2SeqTask(model=Seq2SeqTransformer, model_kwargs={"src_vocab_size": 5, "tgt_vocab_size": 5},
                    pad_id=0, bos_id=1, eos_id=1)


def test_bad_batch_is_a_clear_error():
    task = Seq2SeqTask(model=Seq2SeqTransformer,
                       model_kwargs={"src_vocab_size": 5, "tgt_vocab_size": 5, "d_model": 8, "num_heads": 2})
    with pytest.raises(ValueError, match=r"Expected src \(B, S\) and tgt \(B, T\) with T >= 2"):
        task.training_step((torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, 1, dtype=torch.long)), 0)
