import torch
from torch import nn

from dlkit.models.attention import MultiHeadAttention, causal_mask, padding_mask

torch.manual_seed(0)
d_model, num_heads, T = 32, 4, 6
reference = nn.MultiheadAttention(
    embed_dim=d_model, num_heads=num_heads, batch_first=True
).eval()
ours = MultiHeadAttention(d_model=d_model, num_heads=num_heads).eval()

# nn.MultiheadAttention packs W_Q, W_K, W_V into one
# (3 * d_model, d_model) matrix: split it into ours.
w_q, w_k, w_v = reference.in_proj_weight.detach().chunk(3)
b_q, b_k, b_v = reference.in_proj_bias.detach().chunk(3)
with torch.no_grad():
    for proj, weight, bias in (
        (ours.q_proj, w_q, b_q),
        (ours.k_proj, w_k, b_k),
        (ours.v_proj, w_v, b_v),
    ):
        proj.weight.copy_(weight)
        proj.bias.copy_(bias)
    ours.out_proj.load_state_dict(reference.out_proj.state_dict())

# (B, T, d_model): self-attention, query = key = value = x
x = torch.randn(3, T, d_model)
causal = causal_mask(T)  # (T, T), True = may attend
real = padding_mask(torch.tensor([6, 4, 2]), max_len=T)  # (B, T), True = real token

with torch.no_grad():
    out, head_weights = ours(x, x, x, attn_mask=causal, key_padding_mask=real)
    # torch's masks mean the opposite (True = blocked), hence the ~
    out_ref, mean_weights_ref = reference(
        x, x, x, attn_mask=~causal, key_padding_mask=~real
    )

print(out.shape, head_weights.shape)
torch.testing.assert_close(out, out_ref)
# torch returns the mean over heads
torch.testing.assert_close(head_weights.mean(dim=1), mean_weights_ref)
