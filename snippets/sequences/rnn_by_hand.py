import torch
from torch import nn

torch.manual_seed(0)
# tanh recurrence, one layer
rnn = nn.RNN(input_size=3, hidden_size=5, batch_first=True)
x = torch.randn(4, 7, 3)  # 4 sequences, 7 time steps, 3 features per step

# outputs: (4, 7, 5), the hidden state after every step; h_n: (1, 4, 5), the last one
outputs, h_n = rnn(x)

# The same recurrence written out, with nn.RNN's own
# weights: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
W_ih, W_hh, b_ih, b_hh = (
    rnn.weight_ih_l0,
    rnn.weight_hh_l0,
    rnn.bias_ih_l0,
    rnn.bias_hh_l0,
)
h = torch.zeros(4, 5)  # h_0 = 0
by_hand = []
for t in range(x.shape[1]):
    h = torch.tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)  # (4, 3) -> (4, 5)
    by_hand.append(h)
by_hand = torch.stack(by_hand, dim=1)  # (4, 7, 5)

# every hidden state, step for step (float32 tolerances)
torch.testing.assert_close(by_hand, outputs)
torch.testing.assert_close(h, h_n[0])  # and the final one
print(tuple(outputs.shape), tuple(h_n.shape))
