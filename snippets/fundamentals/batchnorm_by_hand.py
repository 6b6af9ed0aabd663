import torch
from torch import nn

torch.manual_seed(0)
bn = nn.BatchNorm1d(3, momentum=0.1, eps=1e-5)
with torch.no_grad():  # non-trivial scale and shift, as after some training
    bn.weight.copy_(torch.tensor([1.5, 0.5, 2.0]))
    bn.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
# a batch: 32 samples, 3 features, far from mean 0 / std 1
x = 4 + 2 * torch.randn(32, 3)

# Training mode: normalise with the batch's own
# statistics (biased variance), then scale and shift.
mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
bn.train()
with torch.no_grad():  # values only: no autograd graph needed here
    y_by_hand = (x - mean) / torch.sqrt(var + bn.eps) * bn.weight + bn.bias
    y_train = bn(x)
torch.testing.assert_close(y_by_hand, y_train)

# The same call updated the running statistics: an
# exponential moving average (unbiased variance).
running_mean = (1 - 0.1) * torch.zeros(3) + 0.1 * mean
running_var = (1 - 0.1) * torch.ones(3) + 0.1 * x.var(dim=0, unbiased=True)
torch.testing.assert_close(bn.running_mean, running_mean)
torch.testing.assert_close(bn.running_var, running_var)

# Evaluation mode: the running statistics replace the batch's,
# so one sample's output doesn't depend on the others.
bn.eval()
with torch.no_grad():
    y_eval = bn(x)
    y_eval_by_hand = (x - running_mean) / torch.sqrt(
        running_var + bn.eps
    ) * bn.weight + bn.bias
torch.testing.assert_close(y_eval, y_eval_by_hand)
print("train-mode output mean per feature:", y_train.mean(dim=0))
