import torch
from torch import nn

from dlkit.models.rnn import ScratchGRUCell, ScratchLSTMCell, unroll

torch.manual_seed(0)
x = torch.randn(4, 9, 3)  # 4 sequences, 9 steps, 3 features

lstm = nn.LSTM(input_size=3, hidden_size=5, batch_first=True)
outputs, (h_n, c_n) = lstm(x)
# same weights, gates written out (i, f, g, o)
lstm_cell = ScratchLSTMCell.from_torch(lstm)
outputs_by_hand, (h, c) = unroll(lstm_cell, x)
# every hidden state h_t (float32 tolerances)
torch.testing.assert_close(outputs_by_hand, outputs)
torch.testing.assert_close(h, h_n[0])  # the final hidden state h
torch.testing.assert_close(c, c_n[0])  # and the final cell state c

gru = nn.GRU(input_size=3, hidden_size=5, batch_first=True)
outputs, h_n = gru(x)
gru_cell = ScratchGRUCell.from_torch(gru)  # same weights, gates written out (r, z, n)
outputs_by_hand, h = unroll(gru_cell, x)
torch.testing.assert_close(outputs_by_hand, outputs)
torch.testing.assert_close(h, h_n[0])
print("hand-written LSTM and GRU cells equal nn.LSTM and nn.GRU at all 9 steps")
