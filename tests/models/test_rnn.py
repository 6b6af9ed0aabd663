import pytest
import torch
from torch import nn

from dlkit.data import ArrayDataModule
from dlkit.data.sequences import long_range_sequences
from dlkit.data.text import TextDataModule
from dlkit.models.rnn import (
    RecurrentNetwork,
    RecurrentTextClassifier,
    ScratchGRUCell,
    ScratchLSTMCell,
    ScratchRNNCell,
    sequence_lengths,
    unroll,
)
from dlkit.tasks import ClassificationTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


@pytest.mark.parametrize(
    ("cell_class", "layer_class"), [(ScratchRNNCell, nn.RNN), (ScratchLSTMCell, nn.LSTM), (ScratchGRUCell, nn.GRU)]
)
def test_scratch_cells_equal_torch(cell_class, layer_class):
    torch.manual_seed(0)
    layer = layer_class(3, 4, batch_first=True)
    x = torch.randn(2, 6, 3)
    outputs, _ = layer(x)
    assert torch.allclose(unroll(cell_class.from_torch(layer), x)[0], outputs, atol=1e-6)


def test_from_torch_rejects_the_wrong_layer():
    with pytest.raises(TypeError, match="Expected an LSTM layer, but got GRU"):
        ScratchLSTMCell.from_torch(nn.GRU(3, 4))


def test_cell_and_unroll_reject_bad_shapes():
    cell = ScratchGRUCell(input_size=3, hidden_size=4)
    with pytest.raises(ValueError, match=r"Expected one time step of shape \(N, 3\), but got \(2, 5\)"):
        cell(torch.zeros(2, 5), torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"Expected a batch of sequences of shape \(N, T, 3\), but got \(2, 3\)"):
        unroll(cell, torch.zeros(2, 3))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_recurrent_network_forward_shape(cell):
    net = RecurrentNetwork(in_features=2, hidden_dim=5, out_features=3, cell=cell, num_layers=2, dropout=0.1)
    assert net(torch.randn(4, 7, 2)).shape == (4, 3)


@pytest.mark.parametrize("shape", [(4, 7), (4, 7, 3), (4, 0, 2), (1, 4, 7, 2)], ids=["rank2", "features", "empty", "rank4"])
def test_recurrent_network_bad_input(shape):
    with pytest.raises(ValueError, match=r"Expected sequences of shape \(N, T, 2\) with T >= 1, but got"):
        RecurrentNetwork(in_features=2, hidden_dim=5, out_features=1)(torch.zeros(*shape))


def test_recurrent_network_bad_arguments():
    with pytest.raises(ValueError, match="Expected cell to be one of"):
        RecurrentNetwork(in_features=1, hidden_dim=4, out_features=1, cell="transformer")
    with pytest.raises(ValueError, match="Expected forget_bias=0 for cell='rnn'"):
        RecurrentNetwork(in_features=1, hidden_dim=4, out_features=1, cell="rnn", forget_bias=1.0)
    with pytest.raises(TypeError, match="Expected floating-point sequences"):
        RecurrentNetwork(in_features=1, hidden_dim=4, out_features=1)(torch.zeros(2, 3, 1, dtype=torch.long))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_forget_bias_sets_the_memory_gate(cell):
    net = RecurrentNetwork(in_features=1, hidden_dim=4, out_features=1, cell=cell, forget_bias=3.0)
    total = net.rnn.bias_ih_l0[4:8] + net.rnn.bias_hh_l0[4:8]
    assert torch.equal(total, torch.full((4,), 3.0))


def test_recurrent_network_fast_dev_run_and_checkpoint(tmp_path):
    x, y = long_range_sequences(num_samples=64, max_len=5, seed=0)
    dm = ArrayDataModule(x=x, y=y, task="classification", normalize=None, batch_size=16)
    task = ClassificationTask(
        model=RecurrentNetwork, model_kwargs={"in_features": 6, "hidden_dim": 4, "out_features": 2}, num_classes=2
    )
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0], tmp_path / "rnn.ckpt")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_text_classifier_forward_shape_and_padding(cell, bidirectional):
    torch.manual_seed(0)
    net = RecurrentTextClassifier(
        vocab_size=20, num_classes=3, embedding_dim=4, hidden_dim=5, cell=cell, bidirectional=bidirectional
    ).eval()
    tokens = torch.tensor([[3, 4, 5, 0], [6, 7, 8, 9]])
    assert net(tokens).shape == (2, 3)
    assert torch.allclose(net(tokens[:1, :3]), net(tokens[:1]), atol=1e-6)  # padding changes nothing
    assert torch.allclose(net(tokens, torch.tensor([3, 4])), net(tokens))


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        (torch.tensor([1, 2, 3]), r"Expected padded token ids of shape \(N, T\), but got \(3,\)"),
        (torch.tensor([[1, 20]]), r"Expected token ids in 0..19 \(vocab_size=20\), but got ids from 1 to 20"),
        (torch.tensor([[-1, 2]]), r"Expected token ids in 0..19"),
        (torch.tensor([[0, 0], [1, 2]]), r"Expected at least one token per sequence, but row 0 is all padding"),
        (torch.tensor([[1, 0, 2]]), r"Expected padding \(id 0\) only at the end of each sequence, but row 0 is"),
    ],
    ids=["rank", "too-large-id", "negative-id", "empty", "inner-padding"],
)
def test_text_classifier_bad_tokens(tokens, message):
    with pytest.raises(ValueError, match=message):
        RecurrentTextClassifier(vocab_size=20, num_classes=2)(tokens)


@pytest.mark.parametrize("lengths", [[3, 5], [0, 2], [2]], ids=["longer-than-sequence", "zero", "count"])
def test_text_classifier_bad_lengths(lengths):
    with pytest.raises(ValueError, match=r"Expected 2 lengths in 1..4 \(the padded length\), but got"):
        RecurrentTextClassifier(vocab_size=20, num_classes=2)(torch.ones(2, 4, dtype=torch.long), torch.tensor(lengths))


def test_text_classifier_rejects_float_tokens_and_bad_arguments():
    with pytest.raises(TypeError, match="Expected integer token ids, but got torch.float32"):
        RecurrentTextClassifier(vocab_size=20, num_classes=2)(torch.ones(2, 4))
    with pytest.raises(ValueError, match="Expected pad_id in 0..19, but got 20"):
        RecurrentTextClassifier(vocab_size=20, num_classes=2, pad_id=20)


def test_sequence_lengths():
    assert sequence_lengths(torch.tensor([[4, 4, 0], [1, 0, 0]])).tolist() == [2, 1]


def test_text_classifier_fast_dev_run_and_checkpoint(tmp_path):
    texts = ["good fun film", "bad plot", "great fun", "awful bad film", "good cast", "bad acting"] * 6
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 6
    dm = TextDataModule(texts=texts, labels=labels, classes=("neg", "pos"), min_freq=1, batch_size=8)
    task = ClassificationTask(
        model=RecurrentTextClassifier,
        model_kwargs={"vocab_size": len(dm.vocab), "num_classes": 2, "embedding_dim": 4, "hidden_dim": 4},
        num_classes=2,
    )
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0], tmp_path / "text.ckpt")
