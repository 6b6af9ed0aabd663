import networkx as nx
import torch

# Zachary's karate club (1977): 34 members, 78 friendships. The club split in two
# after a dispute; each node's "club" attribute records which side the member joined.
graph = nx.karate_club_graph()
labels = torch.tensor([0 if graph.nodes[n]["club"] == "Mr. Hi" else 1
                       for n in graph.nodes])
edges = torch.tensor(list(graph.edges)).T  # (2, 78): one column per friendship
edge_index = torch.cat([edges, edges.flip(0)], dim=1)  # (2, 156): both directions
features = torch.eye(34)  # no node attributes: each node is a one-hot vector
print(f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges, "
      f"{int((labels == 0).sum())} + {int((labels == 1).sum())} members per side")
