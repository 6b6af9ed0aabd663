import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlkit.models.attention import (
    AdditiveAttention,
    MultiHeadAttention,
    causal_mask,
    dot_product_attention,
    padding_mask,
    scaled_dot_product_attention,
)


def test_scaled_and_plain_dot_product_equal_torch_with_masks():
    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 5, 8), torch.randn(2, 3, 5, 4)
    mask = causal_mask(5) & padding_mask(torch.tensor([5, 2]), 5)[:, None, None, :]  # (B, 1, T, T)
    out, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    assert out.shape == (2, 3, 5, 4) and weights.shape == (2, 3, 5, 5)
    assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), atol=1e-6)
    plain, _ = dot_product_attention(q, k, v, mask=mask)
    assert torch.allclose(plain, F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=1.0), atol=1e-6)


def test_multi_head_attention_equals_torch_and_shapes():
    reference = nn.MultiheadAttention(embed_dim=16, num_heads=4, batch_first=True).eval()
    ours = MultiHeadAttention(d_model=16, num_heads=4).load_from_torch(reference).eval()
    x, memory = torch.randn(3, 5, 16), torch.randn(3, 7, 16)
    real = padding_mask(torch.tensor([7, 3, 1]), 7)
    out, weights = ours(x, memory, memory, key_padding_mask=real)
    expected, _ = reference(x, memory, memory, key_padding_mask=~real)
    assert out.shape == (3, 5, 16) and weights.shape == (3, 4, 5, 7)
    assert torch.allclose(out, expected, atol=1e-5)


def test_additive_attention_masks_padding():
    attention = AdditiveAttention(query_dim=4, key_dim=6, hidden_dim=8)
    real = padding_mask(torch.tensor([3, 1]), 3)[:, None, :]
    out, weights = attention(torch.randn(2, 2, 4), torch.randn(2, 3, 6), torch.randn(2, 3, 5), mask=real)
    assert out.shape == (2, 2, 5) and bool((weights[1, :, 1:] == 0).all())


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: MultiHeadAttention(d_model=10, num_heads=3), ValueError, "Expected d_model divisible by num_heads"),
        (lambda: MultiHeadAttention(d_model=8, num_heads=2)(torch.randn(5, 8), torch.randn(5, 8), torch.randn(5, 8)),
         ValueError, r"Expected query of shape \(B, T, 8\)"),
        (lambda: MultiHeadAttention(d_model=8, num_heads=2)(*[torch.randn(2, 3, 8)] * 3, attn_mask=causal_mask(4)),
         ValueError, "Expected a mask broadcastable"),
        (lambda: MultiHeadAttention(d_model=8, num_heads=2)(*[torch.randn(2, 3, 8)] * 3,
                                                           key_padding_mask=torch.ones(2, 4, dtype=torch.bool)),
         ValueError, r"Expected key_padding_mask of shape \(B, T_k\) = \(2, 3\)"),
        (lambda: scaled_dot_product_attention(torch.randn(4), torch.randn(4), torch.randn(4)),
         ValueError, "rank >= 2"),
        (lambda: scaled_dot_product_attention(torch.randn(2, 4), torch.randn(3, 4), torch.randn(2, 4)),
         ValueError, "Expected as many values as keys"),
        (lambda: scaled_dot_product_attention(*[torch.randn(2, 4)] * 3, mask=torch.ones(2, 2)),
         TypeError, "Expected a boolean mask"),
        (lambda: padding_mask(torch.tensor([0, 2]), 3), ValueError, r"Expected every length in 1..3"),
        (lambda: AdditiveAttention(query_dim=4, key_dim=6, hidden_dim=8)(*[torch.randn(2, 3, 4)] * 3),
         ValueError, "Expected queries of width 4 and keys of width 6"),
    ],
    ids=["heads", "rank", "mask-shape", "padding-shape", "rank-1", "values", "mask-dtype", "lengths", "additive-width"],
)
def test_bad_input_is_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
