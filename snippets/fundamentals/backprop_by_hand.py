import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
x, y = torch.randn(8, 3), torch.randn(8, 1)
W1, b1, W2, b2 = net[0].weight, net[0].bias, net[2].weight, net[2].bias

# Forward pass, keeping every intermediate value.
z1 = x @ W1.T + b1            # (8, 3) -> (8, 4)
h = torch.tanh(z1)            # (8, 4)
y_hat = h @ W2.T + b2         # (8, 4) -> (8, 1)
loss = ((y_hat - y) ** 2).mean()

# Backward pass by hand: the chain rule, from the loss back to every parameter.
with torch.no_grad():
    d_y_hat = 2 * (y_hat - y) / len(y)      # dL/dy_hat                    (8, 1)
    d_W2 = d_y_hat.T @ h                    # dL/dW2 = dL/dy_hat * dy_hat/dW2  (1, 4)
    d_b2 = d_y_hat.sum(dim=0)               # (1,)
    d_h = d_y_hat @ W2                      # dL/dh                        (8, 4)
    d_z1 = d_h * (1 - h**2)                 # tanh'(z) = 1 - tanh(z)^2     (8, 4)
    d_W1 = d_z1.T @ x                       # (4, 3)
    d_b1 = d_z1.sum(dim=0)                  # (4,)

# Autograd does the same walk backwards through the recorded graph.
loss.backward()
for by_hand, param in [(d_W1, W1), (d_b1, b1), (d_W2, W2), (d_b2, b2)]:
    # float32's tolerances: relative 1.3e-6, absolute 1e-5
    torch.testing.assert_close(by_hand, param.grad)
print(
    "hand-written gradients equal autograd's for",
    [tuple(p.shape) for p in (W1, b1, W2, b2)],
)
