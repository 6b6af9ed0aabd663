import math

import torch
import torch.nn.functional as F
# an independent implementation of the binary hinge
from sklearn.metrics import hinge_loss

torch.manual_seed(0)
N, C = 8, 4

# Regression: predictions and real-valued targets.
y_hat, y = torch.randn(N), torch.randn(N)
mse = ((y_hat - y) ** 2).mean()                      # (1/N) sum (y_hat - y)^2
mae = (y_hat - y).abs().mean()                       # (1/N) sum |y_hat - y|
assert torch.allclose(mse, F.mse_loss(y_hat, y))
assert torch.allclose(mae, F.l1_loss(y_hat, y))

# Binary classification: one logit s per sample, labels 0/1, p = sigmoid(s).
s, t = torch.randn(N), torch.randint(0, 2, (N,)).float()
p = torch.sigmoid(s)
bce = -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()
assert torch.allclose(bce, F.binary_cross_entropy(p, t))
# same loss, from logits, stabler
assert torch.allclose(bce, F.binary_cross_entropy_with_logits(s, t))

# Multi-class classification: C logits per sample, integer labels.
logits, labels = torch.randn(N, C), torch.randint(0, C, (N,))
log_probs = logits - logits.logsumexp(dim=1, keepdim=True)  # log softmax
cross_entropy = -log_probs[torch.arange(N), labels].mean()  # -(1/N) sum log p_{i, y_i}
assert torch.allclose(cross_entropy, F.cross_entropy(logits, labels))

# Hinge (SVM) loss: labels as -1/+1, penalise scores on the wrong side of the margin 1.
signs = 2 * t - 1
hinge = torch.clamp(1 - signs * s, min=0).mean()  # (1/N) sum max(0, 1 - y s)
# scikit-learn's SVM hinge
assert math.isclose(hinge.item(), hinge_loss(signs.numpy(), s.numpy()), rel_tol=1e-6)
# Multi-class hinge: every wrong class scoring
# within 1 of the true class costs the difference.
true_score = logits[torch.arange(N), labels].unsqueeze(1)                # (N, 1)
margins = torch.clamp(1 - true_score + logits, min=0)                    # (N, C)
margins[torch.arange(N), labels] = 0
multi_hinge = (margins.sum(dim=1) / C).mean()
assert torch.allclose(multi_hinge, F.multi_margin_loss(logits, labels))

for name, value in [
    ("MSE", mse),
    ("MAE", mae),
    ("BCE", bce),
    ("CE", cross_entropy),
    ("hinge", hinge),
    ("multi-hinge", multi_hinge),
]:
    print(f"{name:12s}{value.item():.4f}")
