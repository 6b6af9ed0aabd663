import torch
from torch import nn

from dlkit.models.rnn import ScratchRNNCell, unroll

torch.manual_seed(0)
rnn = nn.RNN(input_size=1, hidden_size=16, batch_first=True)
x = torch.randn(32, 40, 1, requires_grad=True)  # 32 sequences of 40 steps

outputs, _ = rnn(x)
loss = outputs[:, -1].pow(2).mean()  # a loss on the last hidden state only
loss.backward()
# (40,): how much the loss reacts to the input at each step
grad_per_step = x.grad.norm(dim=(0, 2))

# The hand-written cell, unrolled in a Python loop,
# back-propagates through time to the same gradients.
cell = ScratchRNNCell.from_torch(rnn)
x_again = x.detach().clone().requires_grad_(True)
outputs_by_hand, _ = unroll(cell, x_again)
outputs_by_hand[:, -1].pow(2).mean().backward()
torch.testing.assert_close(outputs_by_hand, outputs)
torch.testing.assert_close(x_again.grad, x.grad)
# The gradients span many orders of magnitude: compare
# each step's gradient norm relatively, the tiny ones too.
torch.testing.assert_close(
    x_again.grad.norm(dim=(0, 2)), grad_per_step, rtol=1e-4, atol=0.0
)

ratio = (grad_per_step[0] / grad_per_step[-1]).item()
print(f"gradient at step 1 / gradient at step 40: {ratio:.1e}")
