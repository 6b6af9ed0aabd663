r"""Recurrent networks: RNN, LSTM and GRU cells written out by hand, and the sequence networks dlkit trains.

Read top to bottom: the three cells (each equal to PyTorch's layer given the same weights), ``unroll``, the loop
that runs a cell over time, then two networks built on ``nn.RNN``/``nn.LSTM``/``nn.GRU``:
``RecurrentNetwork`` for sequences of feature vectors ``(N, T, F)`` (classification or forecasting) and
``RecurrentTextClassifier`` for padded token ids ``(N, T)`` (embedding, packing, recurrent layer, linear head).

The cells keep PyTorch's parameter names and gate order (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``;
LSTM gates ``i, f, g, o``; GRU gates ``r, z, n``), so ``from_torch`` copies a trained layer's weights into them,
and PyTorch's argument names ``input_size``/``hidden_size``, so they read side by side with ``nn.RNNCell``. The
networks use dlkit's vocabulary (``in_features``, ``hidden_dim``), like every other dlkit network.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

__all__ = [
    "CELLS",
    "ScratchRNNCell",
    "ScratchLSTMCell",
    "ScratchGRUCell",
    "unroll",
    "sequence_lengths",
    "RecurrentNetwork",
    "RecurrentTextClassifier",
]

# cell name -> PyTorch's multi-step layer
CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


class _ScratchCell(nn.Module):
    """Parameters and input checks shared by the three hand-written cells; subclasses write the update."""

    num_gates = 1
    torch_layer: type[nn.RNNBase] = nn.RNN

    def __init__(self, *, input_size: int, hidden_size: int) -> None:
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"Expected positive input_size and hidden_size, but got {input_size} and {hidden_size}")
        self.input_size, self.hidden_size = input_size, hidden_size
        rows = self.num_gates * hidden_size  # the gates' weights are stacked, as in PyTorch
        bound = 1.0 / math.sqrt(hidden_size)  # PyTorch's default initialisation U(-1/sqrt(H), 1/sqrt(H))
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size).uniform_(-bound, bound))
        self.bias_ih = nn.Parameter(torch.empty(rows).uniform_(-bound, bound))
        self.bias_hh = nn.Parameter(torch.empty(rows).uniform_(-bound, bound))

    @classmethod
    def from_torch(cls, layer: nn.RNNBase) -> _ScratchCell:
        """A cell holding a copy of the first layer's weights of a PyTorch ``nn.RNN``/``nn.LSTM``/``nn.GRU``."""
        if type(layer) is not cls.torch_layer:
            raise TypeError(f"Expected an {cls.torch_layer.__name__} layer, but got {type(layer).__name__}")
        if not layer.bias or getattr(layer, "nonlinearity", "tanh") != "tanh" or layer.proj_size:
            raise ValueError("Expected a layer with biases, tanh and no projection (PyTorch's defaults)")
        cell = cls(input_size=layer.input_size, hidden_size=layer.hidden_size)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, name).copy_(getattr(layer, f"{name}_l0"))
        return cell.to(layer.weight_ih_l0.device)

    def _check_input(self, x: torch.Tensor) -> None:
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"Expected one time step of shape (N, {self.input_size}), but got {tuple(x.shape)}")

    def zero_state(self, x: torch.Tensor) -> State:
        """The initial state for a batch like ``x``: zeros of shape ``(N, hidden_size)``."""
        return x.new_zeros(len(x), self.hidden_size)


class ScratchRNNCell(_ScratchCell):
    r"""One step of the Elman RNN, $h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$.

    Equals one step of ``nn.RNN`` (tanh) given the same weights.

    Args:
        input_size: features per time step.
        hidden_size: size of the hidden state.

    Example:
        >>> import torch
        >>> from dlkit.models.rnn import ScratchRNNCell
        >>> cell = ScratchRNNCell(input_size=3, hidden_size=4)
        >>> x_t = torch.zeros(2, 3)
        >>> cell(x_t, cell.zero_state(x_t)).shape
        torch.Size([2, 4])
    """

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)


class ScratchLSTMCell(_ScratchCell):
    r"""One step of the LSTM: gates decide what the cell state $c$ forgets, stores and shows.

    The four gates come from one stacked product $W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}$, split into
    chunks $i, f, g, o$ (input, forget, candidate, output) squashed by $\sigma, \sigma, \tanh, \sigma$.
    Then $c_t = f \odot c_{t-1} + i \odot g$ and $h_t = o \odot \tanh(c_t)$.

    Equals one step of ``nn.LSTM`` given the same weights. The state is the pair ``(h, c)``.

    Example:
        >>> import torch
        >>> from dlkit.models.rnn import ScratchLSTMCell
        >>> cell = ScratchLSTMCell(input_size=3, hidden_size=4)
        >>> cell.weight_ih.shape  # four gates stacked: (4 * hidden_size, input_size)
        torch.Size([16, 3])
        >>> x_t = torch.zeros(2, 3)
        >>> h, c = cell(x_t, cell.zero_state(x_t))
        >>> h.shape, c.shape
        (torch.Size([2, 4]), torch.Size([2, 4]))
    """

    num_gates = 4
    torch_layer = nn.LSTM

    def zero_state(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x.new_zeros(len(x), self.hidden_size), x.new_zeros(len(x), self.hidden_size)

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        self._check_input(x)
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh  # (N, 4H)
        i, f, g, o = gates.chunk(4, dim=1)  # each (N, H)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g  # forget part of the old cell state, add the new candidate
        h = o * torch.tanh(c)  # show part of it
        return h, c


class ScratchGRUCell(_ScratchCell):
    r"""One step of the GRU: a reset gate $r$ and an update gate $z$, no separate cell state.

    $r = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr})$ and
    $z = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})$; the candidate
    $n = \tanh(W_{in} x_t + b_{in} + r \odot (W_{hn} h_{t-1} + b_{hn}))$; then
    $h_t = (1 - z) \odot n + z \odot h_{t-1}$.

    Equals one step of ``nn.GRU`` given the same weights.

    Example:
        >>> import torch
        >>> from dlkit.models.rnn import ScratchGRUCell
        >>> cell = ScratchGRUCell(input_size=3, hidden_size=4)
        >>> x_t = torch.zeros(2, 3)
        >>> cell(x_t, cell.zero_state(x_t)).shape
        torch.Size([2, 4])
    """

    num_gates = 3
    torch_layer = nn.GRU

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        x_r, x_z, x_n = (x @ self.weight_ih.T + self.bias_ih).chunk(3, dim=1)  # each (N, H)
        h_r, h_z, h_n = (h @ self.weight_hh.T + self.bias_hh).chunk(3, dim=1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return (1 - z) * n + z * h  # z near 1 keeps the old state


def unroll(cell: _ScratchCell, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
    """Run a cell over every time step of ``x`` (batch first), like one layer of ``nn.RNN``/``nn.LSTM``/``nn.GRU``.

    Back-propagation through time is autograd on this loop: the graph holds one copy of the cell per step.

    Args:
        cell: a ``ScratchRNNCell``, ``ScratchLSTMCell`` or ``ScratchGRUCell``.
        x: inputs of shape ``(N, T, input_size)``.
        state: the initial state (default zeros).

    Returns:
        The hidden state at every step, shape ``(N, T, hidden_size)``, and the final state.

    Example:
        >>> import torch
        >>> from dlkit.models.rnn import ScratchLSTMCell, unroll
        >>> outputs, (h, c) = unroll(ScratchLSTMCell(input_size=3, hidden_size=4), torch.zeros(2, 5, 3))
        >>> outputs.shape, torch.equal(outputs[:, -1], h)
        (torch.Size([2, 5, 4]), True)
    """
    if x.ndim != 3 or x.shape[1] < 1:
        raise ValueError(f"Expected a batch of sequences of shape (N, T, {cell.input_size}), but got {tuple(x.shape)}")
    state = cell.zero_state(x[:, 0]) if state is None else state
    outputs = []
    for t in range(x.shape[1]):
        state = cell(x[:, t], state)  # (N, F) -> (N, H), or the pair (h, c) for the LSTM
        outputs.append(state[0] if isinstance(state, tuple) else state)
    return torch.stack(outputs, dim=1), state  # (N, T, H)


def _check_cell(cell: str, forget_bias: float) -> None:
    if cell not in CELLS:
        raise ValueError(f"Expected cell to be one of {sorted(CELLS)}, but got {cell!r}")
    if cell == "rnn" and forget_bias != 0.0:
        raise ValueError(f"Expected forget_bias=0 for cell='rnn' (it has no gates), but got {forget_bias}")


def _set_memory_gate_bias(layer: nn.RNNBase, value: float) -> None:
    """Set the bias of the gate that keeps the memory (LSTM forget gate ``f``, GRU update gate ``z``) to ``value``.

    Both are the second chunk of the stacked gates. ``bias_ih`` and ``bias_hh`` add up, so one carries the value.
    """
    hidden = layer.hidden_size
    with torch.no_grad():
        for name, parameter in layer.named_parameters():
            if name.startswith("bias_ih"):
                parameter[hidden : 2 * hidden] = 0.0
            elif name.startswith("bias_hh"):
                parameter[hidden : 2 * hidden] = value


def _recurrent_layer(
    cell: str, in_features: int, hidden_dim: int, num_layers: int, dropout: float, forget_bias: float,
    bidirectional: bool = False,
) -> nn.RNNBase:
    _check_cell(cell, forget_bias)
    if hidden_dim < 1 or num_layers < 1:
        raise ValueError(f"Expected positive hidden_dim and num_layers, but got {hidden_dim} and {num_layers}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"Expected dropout in [0, 1), but got {dropout}")
    layer = CELLS[cell](
        in_features, hidden_dim, num_layers=num_layers, batch_first=True,
        dropout=dropout if num_layers > 1 else 0.0, bidirectional=bidirectional,
    )
    if forget_bias:
        _set_memory_gate_bias(layer, forget_bias)
    return layer


class RecurrentNetwork(nn.Module):
    r"""A recurrent layer over sequences of feature vectors, then a linear head on the last hidden state.

    ``(N, T, in_features)`` goes through ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU``; the hidden state after the last
    step, $h_T$, is mapped to ``out_features`` values: class logits (``ClassificationTask``) or the next
    value of a time series (``RegressionTask``).

    Args:
        in_features: features per time step (1 for a univariate series).
        hidden_dim: size of the hidden state.
        out_features: number of outputs (class logits or forecast values: a generic output, hence not
            ``num_classes``).
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        num_layers: stacked recurrent layers.
        dropout: dropout between stacked layers (only used when ``num_layers > 1``).
        forget_bias: initial bias of the LSTM forget gate / GRU update gate. A positive value (e.g. 1 to 3) makes
            the gated cell keep its memory by default, which helps it learn long-range dependencies
            (Gers et al., 2000; Jozefowicz et al., 2015). Must be 0 for ``"rnn"``.

    Example:
        >>> import torch
        >>> from dlkit.models.rnn import RecurrentNetwork
        >>> net = RecurrentNetwork(in_features=1, hidden_dim=8, out_features=1, cell="gru")
        >>> net(torch.zeros(4, 12, 1)).shape
        torch.Size([4, 1])
        >>> sum(p.numel() for p in net.parameters())  # GRU: 3 * (8*1 + 8*8 + 8 + 8); head: 8 + 1
        273
    """

    def __init__(
        self,
        *,
        in_features: int,
        hidden_dim: int,
        out_features: int,
        cell: str = "lstm",
        num_layers: int = 1,
        dropout: float = 0.0,
        forget_bias: float = 0.0,
    ) -> None:
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Expected positive in_features and out_features, but got {in_features} and {out_features}")
        self.in_features = in_features
        self.rnn = _recurrent_layer(cell, in_features, hidden_dim, num_layers, dropout, forget_bias)
        self.head = nn.Linear(hidden_dim, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[2] != self.in_features or x.shape[1] < 1:
            raise ValueError(
                f"Expected sequences of shape (N, T, {self.in_features}) with T >= 1, but got {tuple(x.shape)}"
            )
        if not x.is_floating_point():
            raise TypeError(f"Expected floating-point sequences, but got {x.dtype}")
        outputs, _ = self.rnn(x)  # (N, T, H)
        return self.head(outputs[:, -1])  # last step: (N, H) -> (N, out_features)


def sequence_lengths(tokens: torch.Tensor, pad_id: int = 0) -> torch.Tensor:
    """The number of tokens before the padding in each row of a right-padded batch ``(N, T)``.

    Raises:
        ValueError: if a row has padding before a real token, or no token at all.

    Example:
        >>> import torch
        >>> from dlkit.models.rnn import sequence_lengths
        >>> sequence_lengths(torch.tensor([[5, 3, 9], [7, 0, 0]]), pad_id=0)
        tensor([3, 1])
    """
    if tokens.ndim != 2:
        raise ValueError(f"Expected padded token ids of shape (N, T), but got {tuple(tokens.shape)}")
    real = tokens != pad_id  # (N, T)
    lengths = real.sum(dim=1)
    expected = torch.arange(tokens.shape[1], device=tokens.device) < lengths[:, None]  # (N, T)
    if not torch.equal(real, expected):
        row = int((real != expected).any(dim=1).nonzero()[0])
        raise ValueError(
            f"Expected padding (id {pad_id}) only at the end of each sequence, but row {row} is {tokens[row].tolist()}"
        )
    if (lengths == 0).any():
        row = int((lengths == 0).nonzero()[0])
        raise ValueError(f"Expected at least one token per sequence, but row {row} is all padding")
    return lengths


class RecurrentTextClassifier(nn.Module):
    """Token ids -> embeddings -> packed recurrent layer -> linear head on the last real step's hidden state.

    The input is a right-padded batch of token ids ``(N, T)``; each row's length is the number of tokens
    before its padding (``sequence_lengths``), or given explicitly. ``pack_padded_sequence`` makes the
    recurrent layer stop at each row's last real token, so padding never changes the result.

    Args:
        vocab_size: number of token ids (ids must lie in ``0 .. vocab_size - 1``).
        num_classes: number of output logits.
        embedding_dim: size of each token's embedding vector.
        hidden_dim: size of the hidden state (per direction).
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        num_layers: stacked recurrent layers.
        bidirectional: also read each sequence backwards and concatenate both final states.
        dropout: dropout on the final state (and between stacked layers).
        pad_id: the padding token's id (its embedding stays zero).
        forget_bias: see ``RecurrentNetwork``.

    Example:
        >>> import torch
        >>> from dlkit.models.rnn import RecurrentTextClassifier
        >>> net = RecurrentTextClassifier(vocab_size=100, num_classes=2, embedding_dim=8, hidden_dim=16)
        >>> tokens = torch.tensor([[5, 17, 42, 0, 0], [9, 3, 3, 8, 1]])  # 0 is padding
        >>> net(tokens).shape
        torch.Size([2, 2])
        >>> torch.allclose(net(tokens[:1, :3]), net(tokens[:1]))  # padding changes nothing
        True
    """

    def __init__(
        self,
        *,
        vocab_size: int,
        num_classes: int,
        embedding_dim: int = 32,
        hidden_dim: int = 32,
        cell: str = "lstm",
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pad_id: int = 0,
        forget_bias: float = 0.0,
    ) -> None:
        super().__init__()
        if vocab_size < 2 or num_classes < 2 or embedding_dim < 1:
            raise ValueError(
                f"Expected vocab_size >= 2, num_classes >= 2 and embedding_dim >= 1, "
                f"but got {vocab_size}, {num_classes} and {embedding_dim}"
            )
        if not 0 <= pad_id < vocab_size:
            raise ValueError(f"Expected pad_id in 0..{vocab_size - 1}, but got {pad_id}")
        self.vocab_size, self.pad_id = vocab_size, pad_id
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.rnn = _recurrent_layer(cell, embedding_dim, hidden_dim, num_layers, dropout, forget_bias, bidirectional)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_dim * (2 if bidirectional else 1), num_classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if tokens.ndim != 2:
            raise ValueError(f"Expected padded token ids of shape (N, T), but got {tuple(tokens.shape)}")
        if tokens.dtype not in (torch.int64, torch.int32):
            raise TypeError(f"Expected integer token ids, but got {tokens.dtype}")
        if tokens.numel() and (tokens.min() < 0 or tokens.max() >= self.vocab_size):
            raise ValueError(
                f"Expected token ids in 0..{self.vocab_size - 1} (vocab_size={self.vocab_size}), "
                f"but got ids from {int(tokens.min())} to {int(tokens.max())}"
            )
        if lengths is None:
            lengths = sequence_lengths(tokens, self.pad_id)
        elif lengths.shape != (len(tokens),) or lengths.min() < 1 or lengths.max() > tokens.shape[1]:
            raise ValueError(
                f"Expected {len(tokens)} lengths in 1..{tokens.shape[1]} (the padded length), "
                f"but got {lengths.tolist()}"
            )
        embedded = self.embedding(tokens)  # (N, T) -> (N, T, E)
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, state = self.rnn(packed)
        h_n = state[0] if isinstance(state, tuple) else state  # (num_layers * directions, N, H)
        if self.rnn.bidirectional:
            last = torch.cat([h_n[-2], h_n[-1]], dim=1)  # forward and backward final states: (N, 2H)
        else:
            last = h_n[-1]  # (N, H)
        return self.head(self.dropout(last))
