import math

import torch
import torch.nn.functional as F

z = torch.linspace(-6, 6, 241, dtype=torch.float64)

# Each activation written from its formula ...
by_hand = {
    "ReLU": torch.where(z > 0, z, 0.0),             # max(0, z)
    "Leaky ReLU": torch.where(z > 0, z, 0.01 * z),  # max(0.01 z, z)
    "sigmoid": 1 / (1 + torch.exp(-z)),             # 1 / (1 + e^-z)
    "tanh": (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z)),
    "GELU": 0.5 * z * (1 + torch.erf(z / math.sqrt(2))),                 # z * Phi(z)
}
# ... and as PyTorch computes it.
library = {
    "ReLU": F.relu(z),
    "Leaky ReLU": F.leaky_relu(z, negative_slope=0.01),
    "sigmoid": torch.sigmoid(z),
    "tanh": torch.tanh(z),
    "GELU": F.gelu(z),
}
for name in by_hand:
    assert torch.allclose(by_hand[name], library[name], atol=1e-12), name

# Softmax turns a vector of scores into probabilities: exp(z_i) / sum_j exp(z_j).
scores = torch.tensor([[2.0, 1.0, -1.0], [1000.0, 999.0, 997.0]], dtype=torch.float64)
# same result, no overflow of exp(1000)
shifted = scores - scores.max(dim=1, keepdim=True).values
softmax_by_hand = torch.exp(shifted) / torch.exp(shifted).sum(dim=1, keepdim=True)
assert torch.allclose(softmax_by_hand, F.softmax(scores, dim=1))
print(softmax_by_hand)
