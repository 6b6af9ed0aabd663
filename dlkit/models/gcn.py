r"""Graph convolutional network (GCN, Kipf & Welling, 2017): message passing over a graph's edges.

Read top to bottom: ``gcn_norm`` (the edge weights), ``GCNLayer`` (one round of message passing, written out with
``index_add_``), then ``GCN`` (two layers). A graph is given as node features ``x`` of shape
``(num_nodes, in_features)`` and an ``edge_index`` of shape ``(2, num_edges)``: column ``(j, i)`` is an edge from
node ``j`` to node ``i`` (an undirected graph lists both directions), as in PyTorch Geometric.

One GCN layer computes, for every node $i$ with neighbours $\mathcal N(i)$ and itself,

$$h_i' = b + \sum_{j \in \mathcal N(i) \cup \{i\}} \frac{1}{\sqrt{\hat d_i \hat d_j}}\, W h_j,$$

with $\hat d_i$ the degree of node $i$ counting its self-loop: in matrix form $H' = \hat D^{-1/2} \hat A
\hat D^{-1/2} H W^\top + b$ with $\hat A = A + I$.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["gcn_norm", "GCNLayer", "GCN"]


def _check_graph(x: torch.Tensor, edge_index: torch.Tensor, in_features: int | None = None) -> None:
    if x.ndim != 2 or (in_features is not None and x.shape[1] != in_features):
        expected = in_features if in_features is not None else "in_features"
        raise ValueError(f"Expected node features of shape (num_nodes, {expected}), but got {tuple(x.shape)}")
    if edge_index.ndim != 2 or edge_index.shape[0] != 2 or edge_index.dtype != torch.long:
        raise ValueError(
            f"Expected edge_index of shape (2, num_edges) and dtype torch.long, "
            f"but got {tuple(edge_index.shape)} and {edge_index.dtype}"
        )
    if edge_index.numel() and (edge_index.min() < 0 or edge_index.max() >= len(x)):
        raise ValueError(
            f"Expected node indices in [0, {len(x)}) in edge_index, but got values from "
            f"{int(edge_index.min())} to {int(edge_index.max())}"
        )


def gcn_norm(edge_index: torch.Tensor, num_nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Add a self-loop to every node and weigh each edge $j \to i$ by $1 / \sqrt{\hat d_i \hat d_j}$.

    Returns:
        ``(edge_index_with_self_loops, weights)``, of shapes ``(2, num_edges + num_nodes)`` and
        ``(num_edges + num_nodes,)``.

    Example:
        >>> import torch
        >>> from dlkit.models.gcn import gcn_norm
        >>> path = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])  # 0 - 1 - 2, both directions
        >>> edges, weights = gcn_norm(path, num_nodes=3)
        >>> edges.shape, [round(w, 3) for w in weights.tolist()]  # degrees with self-loops: 2, 3, 2
        (torch.Size([2, 7]), [0.408, 0.408, 0.408, 0.408, 0.5, 0.333, 0.5])
    """
    loops = torch.arange(num_nodes, device=edge_index.device).repeat(2, 1)  # (2, num_nodes): i -> i
    edges = torch.cat([edge_index, loops], dim=1)
    source, target = edges
    degree = torch.zeros(num_nodes, device=edge_index.device).index_add_(0, target, torch.ones_like(target, dtype=torch.float))
    inv_sqrt = degree.pow(-0.5)
    return edges, inv_sqrt[source] * inv_sqrt[target]


class GCNLayer(nn.Module):
    """One graph convolution, as message passing: transform, send along edges with weights, sum at each node.

    Args:
        in_features: features per node in.
        out_features: features per node out.

    Example:
        >>> import torch
        >>> from dlkit.models.gcn import GCNLayer
        >>> layer = GCNLayer(in_features=3, out_features=2)
        >>> x = torch.randn(4, 3)  # 4 nodes
        >>> edge_index = torch.tensor([[0, 1, 2, 3], [1, 0, 3, 2]])  # two separate pairs: 0-1 and 2-3
        >>> layer(x, edge_index).shape
        torch.Size([4, 2])
        >>> layer(torch.randn(4, 5), edge_index)
        Traceback (most recent call last):
        ...
        ValueError: Expected node features of shape (num_nodes, 3), but got (4, 5)
    """

    def __init__(self, *, in_features: int, out_features: int) -> None:
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Expected positive in_features and out_features, but got {in_features} and {out_features}")
        self.in_features = in_features
        self.linear = nn.Linear(in_features, out_features, bias=False)  # W, shared by every node
        self.bias = nn.Parameter(torch.zeros(out_features))
        nn.init.xavier_uniform_(self.linear.weight)  # as PyTorch Geometric's GCNConv

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        _check_graph(x, edge_index, self.in_features)
        edges, weights = gcn_norm(edge_index, len(x))
        source, target = edges
        h = self.linear(x)  # (num_nodes, out_features): W h_j for every node j
        messages = weights[:, None] * h[source]  # (num_edges, out_features): one message per edge j -> i
        out = torch.zeros_like(h).index_add_(0, target, messages)  # sum the messages arriving at each node i
        return out + self.bias


class GCN(nn.Module):
    """Two graph convolutions with a ReLU and dropout between: node features in, class logits per node out.

    Each layer mixes a node with its neighbours, so after two layers a node's output depends on everything up to
    two edges away.

    Args:
        in_features: features per node.
        hidden_dim: width of the hidden layer.
        num_classes: outputs per node.
        dropout: dropout probability on the input and hidden features (training only).

    Example:
        >>> import torch
        >>> from dlkit.models.gcn import GCN
        >>> net = GCN(in_features=34, hidden_dim=16, num_classes=2)
        >>> net(torch.eye(34), torch.tensor([[0, 1], [1, 0]])).shape
        torch.Size([34, 2])
    """

    def __init__(self, *, in_features: int, hidden_dim: int = 16, num_classes: int, dropout: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"Expected dropout in [0, 1), but got {dropout}")
        self.conv1 = GCNLayer(in_features=in_features, out_features=hidden_dim)
        self.conv2 = GCNLayer(in_features=hidden_dim, out_features=num_classes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv1(self.dropout(x), edge_index))  # (num_nodes, hidden_dim)
        return self.conv2(self.dropout(h), edge_index)  # (num_nodes, num_classes)
