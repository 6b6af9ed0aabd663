import networkx as nx
import numpy as np
import torch
import torch.nn.functional as F

from dlkit.models.gcn import GCN
from dlkit.models.mlp import MLP

graph = nx.karate_club_graph()
labels = torch.tensor([0 if graph.nodes[n]["club"] == "Mr. Hi" else 1
                       for n in graph.nodes])
edges = torch.tensor(list(graph.edges)).T
edge_index = torch.cat([edges, edges.flip(0)], dim=1)
features = torch.eye(34)

# Semi-supervised: the side of only 2 members per side is known; 30 are to be predicted.
rng = np.random.default_rng(0)
known = np.concatenate([rng.choice(np.flatnonzero(labels.numpy() == c), 2,
                                   replace=False) for c in (0, 1)])
train_mask = torch.zeros(34, dtype=torch.bool)
train_mask[known] = True


def train_and_score(net: torch.nn.Module, uses_graph: bool) -> float:
    """200 full-graph Adam steps on the 4 known nodes; accuracy on the 30 others."""
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01, weight_decay=5e-4)
    for _ in range(200):
        net.train()
        logits = net(features, edge_index) if uses_graph else net(features)
        loss = F.cross_entropy(logits[train_mask], labels[train_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    with torch.no_grad():
        logits = net(features, edge_index) if uses_graph else net(features)
    correct = logits.argmax(dim=1)[~train_mask] == labels[~train_mask]
    return correct.float().mean().item()


torch.manual_seed(0)
gcn = GCN(in_features=34, hidden_dim=16, num_classes=2, dropout=0.5)
gcn_acc = train_and_score(gcn, uses_graph=True)
# The same features, no graph:
mlp = MLP(in_features=34, out_features=2, hidden_dims=(16,), dropout=0.5)
mlp_acc = train_and_score(mlp, uses_graph=False)
print(f"GCN accuracy on the 30 unlabelled members: {gcn_acc:.3f}")
print(f"MLP accuracy on the 30 unlabelled members: {mlp_acc:.3f}")
