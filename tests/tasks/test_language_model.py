import math

import pytest
import torch
import torch.nn.functional as F
from torchmetrics.text import Perplexity

from dlkit.models.gpt import GPT
from dlkit.tasks.language_model import IGNORE_INDEX, CausalLMTask, mask_tokens


def test_torchmetrics_perplexity_is_exp_of_mean_cross_entropy():
    logits, targets = torch.randn(4, 10, 7), torch.randint(0, 7, (4, 10))
    by_hand = math.exp(F.cross_entropy(logits.flatten(0, 1), targets.flatten()).item())
    assert math.isclose(Perplexity()(logits, targets).item(), by_hand, rel_tol=1e-5)
    uniform = torch.zeros(1, 5, 7)  # a model that knows nothing: perplexity = vocabulary size
    assert math.isclose(Perplexity()(uniform, targets[:1, :5]).item(), 7.0, rel_tol=1e-6)


def test_mask_tokens_never_picks_protected_ids_and_is_seeded():
    ids = torch.randint(0, 10, (32, 16))
    a = mask_tokens(ids, mask_id=1, vocab_size=10, protected_ids=(0, 1), generator=torch.Generator().manual_seed(0))
    b = mask_tokens(ids, mask_id=1, vocab_size=10, protected_ids=(0, 1), generator=torch.Generator().manual_seed(0))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert bool((a[1][ids <= 1] == IGNORE_INDEX).all())
    with pytest.raises(ValueError, match=r"Expected mask_prob in the open interval \(0, 1\)"):
        mask_tokens(ids, mask_id=1, vocab_size=10, mask_prob=1.0)
    with pytest.raises(ValueError, match=r"Expected token ids of shape \(B, T\)"):
        mask_tokens(ids[0], mask_id=1, vocab_size=10)


def test_causal_lm_rejects_mismatched_targets():
    task = CausalLMTask(model=GPT, model_kwargs={"vocab_size": 10, "max_len": 8, "d_model": 16, "num_heads": 2})
    with pytest.raises(ValueError, match="Expected inputs and next-token targets of one shape"):
        task.training_step((torch.zeros(2, 8, dtype=torch.long), torch.zeros(2, 7, dtype=torch.long)), 0)
