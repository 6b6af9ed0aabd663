import pytest
import torch

from dlkit.models.gcn import GCN, GCNLayer, gcn_norm

PATH = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])  # 0 - 1 - 2


def dense_gcn(x, edge_index, weight, bias):
    a_hat = torch.eye(len(x))
    a_hat[edge_index[1], edge_index[0]] = 1.0
    d = torch.diag(a_hat.sum(1).pow(-0.5))
    return d @ a_hat @ d @ x @ weight.T + bias


def test_norm_weights_are_inverse_square_roots_of_degrees():
    edges, weights = gcn_norm(PATH, num_nodes=3)
    degree = torch.tensor([2.0, 3.0, 2.0])
    torch.testing.assert_close(weights, (degree[edges[0]] * degree[edges[1]]).rsqrt())


def test_layer_equals_the_dense_formula_on_a_random_graph():
    torch.manual_seed(0)
    edges = torch.randint(0, 20, (2, 40))
    edges = edges[:, edges[0] != edges[1]]
    edges = torch.unique(torch.cat([edges, edges.flip(0)], 1), dim=1)  # undirected, no duplicates
    layer, x = GCNLayer(in_features=7, out_features=3), torch.randn(20, 7)
    torch.testing.assert_close(layer(x, edges), dense_gcn(x, edges, layer.linear.weight, layer.bias))


def test_layer_equals_torch_geometric_gcnconv():
    pytest.importorskip("torch_geometric")
    from torch_geometric.nn import GCNConv

    torch.manual_seed(1)
    x = torch.randn(3, 4)
    layer, conv = GCNLayer(in_features=4, out_features=2), GCNConv(4, 2)
    with torch.no_grad():
        conv.lin.weight.copy_(layer.linear.weight)
        conv.bias.copy_(torch.randn(2))
        layer.bias.copy_(conv.bias)
    torch.testing.assert_close(layer(x, PATH), conv(x, PATH))


def test_gcn_shapes_and_dropout_only_in_training():
    net = GCN(in_features=5, hidden_dim=8, num_classes=3, dropout=0.5)
    x = torch.randn(6, 5)
    net.eval()
    assert net(x, PATH).shape == (6, 3)
    assert torch.equal(net(x, PATH), net(x, PATH))


@pytest.mark.parametrize(
    ("x", "edge_index", "message"),
    [
        (torch.randn(3, 5), PATH, r"Expected node features of shape \(num_nodes, 4\), but got \(3, 5\)"),
        (torch.randn(3, 4), PATH.float(), "Expected edge_index of shape"),
        (torch.randn(3, 4), torch.tensor([[0, 1, 2]]), r"Expected edge_index of shape \(2, num_edges\)"),
        (torch.randn(3, 4), torch.tensor([[0, 5], [1, 0]]), r"Expected node indices in \[0, 3\)"),
    ],
)
def test_bad_graphs_are_clear_errors(x, edge_index, message):
    with pytest.raises(ValueError, match=message):
        GCNLayer(in_features=4, out_features=2)(x, edge_index)


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="Expected positive in_features"):
        GCNLayer(in_features=0, out_features=2)
    with pytest.raises(ValueError, match=r"Expected dropout in \[0, 1\)"):
        GCN(in_features=3, num_classes=2, dropout=1.0)
