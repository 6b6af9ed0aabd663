import pytest
import torch

from dlkit.data.corpus import CharCorpusDataModule
from dlkit.models.gpt import GPT
from dlkit.tasks.language_model import CausalLMTask
from dlkit.models.transformer import TransformerEncoderBlock
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run
from tests.models.dropout import assert_dropout_acts

KWARGS = {"vocab_size": 12, "max_len": 8, "d_model": 16, "num_heads": 2, "num_layers": 2}


def test_forward_shape_and_causality():
    net = GPT(**KWARGS).eval()
    ids = torch.randint(0, 12, (2, 8))
    logits = net(ids)
    assert logits.shape == (2, 8, 12)
    changed = ids.clone()
    changed[:, 5:] = (changed[:, 5:] + 1) % 12  # change the future: the first 5 positions must not notice
    assert torch.allclose(net(changed)[:, :5], logits[:, :5], atol=1e-6)


def test_blocks_are_dlkits_one_block_with_a_causal_mask():
    net = GPT(**KWARGS)
    assert len(net.transformer.blocks) == 2
    assert all(type(block) is TransformerEncoderBlock and block.causal for block in net.transformer.blocks)


def test_dropout_zeroes_p_in_training_and_nothing_in_eval():
    net = GPT(**{**KWARGS, "dropout": 0.2})
    ids = torch.randint(0, 12, (16, 8))
    # the embeddings, then per block: attention weights, feed-forward hidden layer, two sub-layer outputs
    assert_dropout_acts(net, lambda: net(ids), p=0.2, calls=1 + 2 * 4)


def test_generate_lengths_and_top_k_one_is_greedy():
    net = GPT(**KWARGS).eval()
    prompt = torch.randint(0, 12, (2, 3))
    out = net.generate(prompt, max_new_tokens=10, temperature=0.7, top_k=4)  # longer than max_len: cropped context
    assert out.shape == (2, 13) and torch.equal(out[:, :3], prompt)
    a = net.generate(prompt, max_new_tokens=5, top_k=1, generator=torch.Generator().manual_seed(1))
    b = net.generate(prompt, max_new_tokens=5, top_k=1, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b)


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (torch.randint(0, 12, (8,)), r"Expected token ids of shape \(B, T\)"),
        (torch.full((1, 4), 12), r"Expected token ids in 0..11 \(vocab_size=12\), but got ids from 12 to 12"),
        (torch.randint(0, 12, (1, 9)), "Expected sequences of at most max_len=8 tokens, but got 9"),
    ],
    ids=["rank", "vocab", "too-long"],
)
def test_bad_input_is_a_clear_error(ids, message):
    with pytest.raises(ValueError, match=message):
        GPT(**KWARGS)(ids)


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="Expected d_model divisible by num_heads"):
        GPT(vocab_size=5, max_len=4, d_model=10, num_heads=4)
    net = GPT(**KWARGS)
    with pytest.raises(ValueError, match="Expected a positive temperature"):
        net.generate(torch.zeros(1, 1, dtype=torch.long), max_new_tokens=2, temperature=0.0)
    with pytest.raises(ValueError, match=r"Expected top_k in 1..12"):
        net.generate(torch.zeros(1, 1, dtype=torch.long), max_new_tokens=2, top_k=13)


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = CharCorpusDataModule(text="the quick brown fox jumps over the lazy dog. " * 20, max_len=8, batch_size=16)
    task = CausalLMTask(model=GPT, model_kwargs={**KWARGS, "vocab_size": len(dm.vocab)})
    trainer = fit_fast_dev_run(task, dm)
    assert {"train_loss", "train_perplexity", "val_perplexity", "val_acc"} <= set(trainer.callback_metrics)
    assert_checkpoint_round_trip(trainer, task, dm.val_set.tensors[0], tmp_path / "gpt.ckpt")
