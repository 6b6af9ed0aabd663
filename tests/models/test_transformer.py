import pytest
import torch
from torch import nn

from dlkit.data.seq2seq import NumberWordsDataModule
from dlkit.models.attention import causal_mask
from dlkit.models.transformer import (
    PositionalEncoding,
    Seq2SeqTransformer,
    TransformerDecoderBlock,
    TransformerEncoderBlock,
    sinusoidal_positional_encoding,
)
from dlkit.tasks.seq2seq import Seq2SeqTask
from tests.helpers import fit_fast_dev_run

KWARGS = {"src_vocab_size": 13, "tgt_vocab_size": 11, "d_model": 16, "num_heads": 2, "num_layers": 2, "max_len": 10}


def test_forward_and_decode_shapes():
    net = Seq2SeqTransformer(**KWARGS).eval()
    src = torch.randint(1, 13, (3, 6))
    src[0, 4:] = 0  # padding
    assert net(src, torch.randint(1, 11, (3, 4))).shape == (3, 4, 11)
    assert net.greedy_decode(src, bos_id=1, eos_id=2, max_new_tokens=5).shape == (3, 5)


def test_blocks_equal_torch_layers():
    torch.manual_seed(0)
    enc_ref = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True, norm_first=True).eval()
    dec_ref = nn.TransformerDecoderLayer(16, 2, 32, dropout=0.0, batch_first=True, norm_first=True).eval()
    enc = TransformerEncoderBlock(d_model=16, num_heads=2, d_ff=32).load_from_torch(enc_ref).eval()
    dec = TransformerDecoderBlock(d_model=16, num_heads=2, d_ff=32).load_from_torch(dec_ref).eval()
    x, memory = torch.randn(2, 5, 16), torch.randn(2, 6, 16)
    with torch.no_grad():
        assert torch.allclose(enc(x), enc_ref(x), atol=1e-5)
        expected = dec_ref(x, memory, tgt_mask=~causal_mask(5))
        assert torch.allclose(dec(x, memory, attn_mask=causal_mask(5)), expected, atol=1e-5)


def test_positional_encoding_values():
    pe = sinusoidal_positional_encoding(20, 8)
    assert pe.shape == (20, 8) and pe.abs().max() <= 1.0
    with pytest.raises(ValueError, match="Expected sequences of at most max_len=4 positions, but got 5"):
        PositionalEncoding(d_model=8, max_len=4)(torch.zeros(1, 5, 8))


@pytest.mark.parametrize(
    ("src", "tgt", "message"),
    [
        (torch.randint(0, 13, (6,)), torch.randint(0, 11, (1, 3)), r"Expected source token ids of shape \(B, T\)"),
        (torch.full((1, 3), 13), torch.randint(0, 11, (1, 3)), r"Expected source token ids in 0..12"),
        (torch.randint(0, 13, (1, 3)), torch.full((1, 3), 11), r"Expected target token ids in 0..10"),
        (torch.randint(0, 13, (1, 11)), torch.randint(0, 11, (1, 3)), "Expected sequences of at most max_len=10"),
        (torch.randint(0, 13, (2, 3)), torch.randint(0, 11, (1, 3)), "Expected as many targets as sources"),
    ],
    ids=["rank", "src-vocab", "tgt-vocab", "too-long", "batch"],
)
def test_bad_input_is_a_clear_error(src, tgt, message):
    with pytest.raises(ValueError, match=message):
        Seq2SeqTransformer(**KWARGS)(src, tgt)


def test_float_ids_are_a_type_error():
    with pytest.raises(TypeError, match="Expected integer source token ids"):
        Seq2SeqTransformer(**KWARGS)(torch.zeros(1, 3), torch.zeros(1, 3, dtype=torch.long))


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = NumberWordsDataModule(max_number=999, num_train=64, num_val=32, num_test=32, batch_size=32)
    task = Seq2SeqTask(
        model=Seq2SeqTransformer,
        model_kwargs={"src_vocab_size": len(dm.vocab), "tgt_vocab_size": len(dm.vocab), "d_model": 16,
                      "num_heads": 2, "max_len": 10},
        pad_id=dm.pad_id, bos_id=dm.bos_id, eos_id=dm.eos_id, max_new_tokens=dm.max_tgt_len - 1,
    )
    trainer = fit_fast_dev_run(task, dm)
    assert {"train_loss", "train_token_acc", "val_exact_match", "val_bleu"} <= set(trainer.callback_metrics)
    trainer.save_checkpoint(tmp_path / "s2s.ckpt")
    reloaded = Seq2SeqTask.load_from_checkpoint(tmp_path / "s2s.ckpt", map_location="cpu").eval()
    src, tgt = dm.test_set.tensors
    task.cpu().eval()
    with torch.no_grad():
        assert torch.equal(task(src, tgt[:, :-1]), reloaded(src, tgt[:, :-1]))
        assert torch.equal(task.translate(src), reloaded.translate(src))
