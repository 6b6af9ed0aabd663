import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)
batch, queries, keys, d = 2, 4, 6, 8
q = torch.randn(batch, queries, d)  # what each position is looking for
k = torch.randn(batch, keys, d)  # what each position offers
v = torch.randn(batch, keys, d)  # what each position passes on

# (B, T_q, d) @ (B, d, T_k) -> (B, T_q, T_k)
scores = q @ k.transpose(-2, -1) / math.sqrt(d)
weights = scores.softmax(dim=-1)  # each query's weights over the keys sum to 1
out_by_hand = weights @ v  # (B, T_q, T_k) @ (B, T_k, d) -> (B, T_q, d)

out_torch = F.scaled_dot_product_attention(q, k, v)
torch.testing.assert_close(out_by_hand, out_torch)  # equal within float32 tolerances
print(out_by_hand.shape)
