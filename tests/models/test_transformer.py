import math

import pytest
import torch
from torch import nn

from dlkit.data.seq2seq import NumberWordsDataModule
from dlkit.models.attention import causal_mask, padding_mask
from dlkit.models.transformer import (
    PositionalEncoding,
    Seq2SeqTransformer,
    TokenEmbedding,
    TransformerDecoderBlock,
    TransformerEncoder,
    TransformerEncoderBlock,
    sinusoidal_positional_encoding,
)
from dlkit.tasks.seq2seq import Seq2SeqTask
from tests.helpers import fit_fast_dev_run
from tests.models.dropout import assert_dropout_acts

KWARGS = {"src_vocab_size": 13, "tgt_vocab_size": 11, "d_model": 16, "num_heads": 2, "num_layers": 2, "max_len": 10}


def test_forward_and_decode_shapes():
    net = Seq2SeqTransformer(**KWARGS).eval()
    src = torch.randint(1, 13, (3, 6))
    src[0, 4:] = 0  # padding
    assert net(src, torch.randint(1, 11, (3, 4))).shape == (3, 4, 11)
    assert net.greedy_decode(src, bos_id=1, eos_id=2, max_new_tokens=5).shape == (3, 5)


def torch_layers(d_model: int = 16, num_heads: int = 2, d_ff: int = 32, dropout: float = 0.0):
    """PyTorch's layers configured as dlkit's blocks: pre-norm, GELU, batch first."""
    options = {"dropout": dropout, "activation": "gelu", "batch_first": True, "norm_first": True}
    return (
        nn.TransformerEncoderLayer(d_model, num_heads, d_ff, **options),
        nn.TransformerDecoderLayer(d_model, num_heads, d_ff, **options),
    )


def test_blocks_equal_torch_layers_with_copied_weights():
    torch.manual_seed(0)
    enc_ref, dec_ref = (layer.eval() for layer in torch_layers())
    enc = TransformerEncoderBlock(d_model=16, num_heads=2, d_ff=32).load_from_torch(enc_ref).eval()
    dec = TransformerDecoderBlock(d_model=16, num_heads=2, d_ff=32).load_from_torch(dec_ref).eval()
    causal = TransformerEncoderBlock(d_model=16, num_heads=2, d_ff=32, causal=True).load_from_torch(enc_ref).eval()
    x, memory = torch.randn(2, 5, 16), torch.randn(2, 6, 16)
    real = padding_mask(torch.tensor([5, 3]), 5)
    with torch.no_grad():
        torch.testing.assert_close(enc(x), enc_ref(x))
        torch.testing.assert_close(enc(x, key_padding_mask=real)[:, :3], enc_ref(x, src_key_padding_mask=~real)[:, :3])
        torch.testing.assert_close(causal(x), enc_ref(x, src_mask=~causal_mask(5)))  # torch: True = blocked
        expected = dec_ref(x, memory, tgt_mask=~causal_mask(5))
        torch.testing.assert_close(dec(x, memory, attn_mask=causal_mask(5)), expected)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"activation": "relu"}, "activation=<function relu"), ({"norm_first": False}, "norm_first=False")],
    ids=["relu", "post-norm"],
)
def test_load_from_torch_rejects_a_layer_that_computes_something_else(options, message):
    layer = nn.TransformerEncoderLayer(16, 2, 32, **{"activation": "gelu", "batch_first": True, "norm_first": True,
                                                     **options})
    with pytest.raises(ValueError, match=message):
        TransformerEncoderBlock(d_model=16, num_heads=2, d_ff=32).load_from_torch(layer)
    with pytest.raises(TypeError, match="Expected an nn.TransformerEncoderLayer, but got Linear"):
        TransformerEncoderBlock(d_model=16, num_heads=2, d_ff=32).load_from_torch(nn.Linear(2, 2))


def test_feed_forward_is_gelu_by_its_formula():
    block = TransformerEncoderBlock(d_model=8, num_heads=2, d_ff=16)
    x = torch.randn(3, 4, 8)
    h = block.ff.linear1(x)
    gelu = h * 0.5 * (1 + torch.erf(h / math.sqrt(2)))  # z * Phi(z), Phi the standard normal CDF
    torch.testing.assert_close(block.ff(x), block.ff.linear2(gelu))
    assert block.ff.linear1.out_features == 16 and TransformerEncoderBlock(d_model=8, num_heads=2).ff.linear1.out_features == 32


@pytest.mark.parametrize("t", [0, 2, 5])
def test_causal_block_does_not_see_the_future(t):
    torch.manual_seed(0)
    causal = TransformerEncoderBlock(d_model=16, num_heads=2, causal=True).eval()
    bidirectional = TransformerEncoderBlock(d_model=16, num_heads=2).eval()
    bidirectional.load_state_dict(causal.state_dict())
    x = torch.randn(2, 7, 16)
    changed = x.clone()
    changed[:, t + 1 :] = torch.randn(2, 6 - t, 16)  # change every token after t
    with torch.no_grad():
        torch.testing.assert_close(causal(changed)[:, : t + 1], causal(x)[:, : t + 1])  # positions <= t: unchanged
        assert not torch.allclose(bidirectional(changed)[:, : t + 1], bidirectional(x)[:, : t + 1])  # they see it


def test_causal_and_given_masks_combine():
    block = TransformerEncoderBlock(d_model=8, num_heads=2, causal=True).eval()
    plain = TransformerEncoderBlock(d_model=8, num_heads=2).eval()
    plain.load_state_dict(block.state_dict())
    x, real = torch.randn(2, 4, 8), padding_mask(torch.tensor([4, 2]), 4)
    with torch.no_grad():
        expected = plain(x, attn_mask=causal_mask(4), key_padding_mask=real)
        torch.testing.assert_close(block(x, key_padding_mask=real), expected)
        torch.testing.assert_close(block(x, attn_mask=torch.ones(4, 4, dtype=torch.bool)), plain(x, attn_mask=causal_mask(4)))


def test_dropout_in_the_blocks_zeroes_p_in_training_and_nothing_in_eval():
    x, memory = torch.randn(8, 12, 32), torch.randn(8, 10, 32)
    encoder = TransformerEncoderBlock(d_model=32, num_heads=4, dropout=0.3)
    # attention weights, feed-forward hidden layer, and the output of each of the two sub-layers
    assert_dropout_acts(encoder, lambda: encoder(x), p=0.3, calls=4)
    decoder = TransformerDecoderBlock(d_model=32, num_heads=4, dropout=0.3)
    assert_dropout_acts(decoder, lambda: decoder(x, memory, attn_mask=causal_mask(12)), p=0.3, calls=6)


def test_dropout_blocks_equal_torch_in_eval():
    torch.manual_seed(0)
    enc_ref, _ = torch_layers(dropout=0.3)
    enc = TransformerEncoderBlock(d_model=16, num_heads=2, d_ff=32, dropout=0.3).load_from_torch(enc_ref)
    x = torch.randn(2, 5, 16)
    with torch.no_grad():
        torch.testing.assert_close(enc.eval()(x), enc_ref.eval()(x))


def test_transformer_encoder_is_blocks_then_a_layer_norm():
    encoder = TransformerEncoder(d_model=16, num_heads=2, num_layers=3, causal=True).eval()
    x = torch.randn(2, 5, 16)
    h = x
    for block in encoder.blocks:
        assert isinstance(block, TransformerEncoderBlock) and block.causal
        h = block(h)
    torch.testing.assert_close(encoder(x), encoder.norm(h))
    with pytest.raises(ValueError, match="Expected num_layers >= 1, but got 0"):
        TransformerEncoder(d_model=16, num_heads=2, num_layers=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"d_model": 10, "num_heads": 3}, "Expected d_model divisible by num_heads, but got d_model=10 and num_heads=3"),
        ({"d_model": 8, "num_heads": 2, "d_ff": 0}, "Expected a positive d_ff, but got 0"),
        ({"d_model": 8, "num_heads": 2, "dropout": 1.0}, r"Expected dropout in \[0, 1\), but got 1.0"),
    ],
    ids=["heads", "d_ff", "dropout"],
)
def test_bad_block_options_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TransformerEncoderBlock(**kwargs)


def test_positional_encoding_equals_its_formula():
    d_model = 16
    pe = sinusoidal_positional_encoding(64, d_model)
    for p in (0, 1, 7, 30, 63):
        for i in range(d_model // 2):
            angle = p / 10000 ** (2 * i / d_model)
            assert math.isclose(pe[p, 2 * i], math.sin(angle), rel_tol=1e-5, abs_tol=1e-6), (p, 2 * i)  # sin: even
            assert math.isclose(pe[p, 2 * i + 1], math.cos(angle), rel_tol=1e-5, abs_tol=1e-6), (p, 2 * i + 1)  # cos


def test_positional_encoding_values():
    pe = sinusoidal_positional_encoding(20, 8)
    assert pe.shape == (20, 8) and pe.abs().max() <= 1.0
    x = torch.randn(2, 5, 8)
    torch.testing.assert_close(PositionalEncoding(d_model=8, max_len=20)(x), x + pe[:5])
    with pytest.raises(ValueError, match="Expected sequences of at most max_len=4 positions, but got 5"):
        PositionalEncoding(d_model=8, max_len=4)(torch.zeros(1, 5, 8))
    with pytest.raises(ValueError, match="Expected max_len >= 1 and an even d_model >= 2"):
        sinusoidal_positional_encoding(4, 7)


def test_token_embedding_adds_learned_positions():
    embed = TokenEmbedding(vocab_size=10, max_len=6, d_model=8).eval()
    ids = torch.tensor([[3, 3, 1]])
    expected = embed.token_embed.weight[[3, 3, 1]] + embed.position_embed.weight[:3]
    torch.testing.assert_close(embed(ids)[0], expected)
    with pytest.raises(ValueError, match="Expected sequences of at most max_len=6 tokens, but got 7"):
        embed(torch.zeros(1, 7, dtype=torch.long))


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
