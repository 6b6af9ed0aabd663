import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(
    nn.Linear(64, 32),   # hidden layer: 64 inputs -> 32 neurons
    nn.ReLU(),
    nn.Linear(32, 10),   # output layer: 32 -> 10 class scores (logits)
)
X = torch.randn(5, 64)   # a batch of 5 flattened 8x8 images

# Forward propagation by hand: h = relu(X W1^T + b1), logits = h W2^T + b2
W1, b1 = net[0].weight, net[0].bias
W2, b2 = net[2].weight, net[2].bias
h = torch.clamp(X @ W1.T + b1, min=0)      # (5, 64) -> (5, 32)
logits_by_hand = h @ W2.T + b2             # (5, 32) -> (5, 10)

logits_module = net(X)
torch.testing.assert_close(logits_by_hand, logits_module)  # within float32's tolerances
print("largest difference:", (logits_by_hand - logits_module).abs().max().item())
