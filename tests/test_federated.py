import copy

import numpy as np
import pytest
import torch

from dlkit.federated import dirichlet_split, fedavg, local_train, run_fedavg


def test_dirichlet_split_is_a_partition_and_skewed_for_small_alpha():
    labels = np.repeat(np.arange(10), 50)
    parts = dirichlet_split(labels, num_clients=5, alpha=0.1, seed=0)
    joined = np.sort(np.concatenate(parts))
    assert np.array_equal(joined, np.arange(500))
    top_share = [np.bincount(labels[p], minlength=10).max() / max(len(p), 1) for p in parts if len(p)]
    assert np.mean(top_share) > 0.3  # one digit dominates each client (IID would give 0.1)
    iid = dirichlet_split(labels, num_clients=5, alpha=1000.0, seed=0)
    assert all(len(np.unique(labels[p])) == 10 for p in iid)


def test_fedavg_weights_by_size_and_keeps_dtypes():
    a = {"w": torch.ones(2), "n": torch.tensor(2)}
    b = {"w": torch.zeros(2), "n": torch.tensor(4)}
    out = fedavg([a, b], weights=[3, 1])
    torch.testing.assert_close(out["w"], torch.full((2,), 0.75))
    assert out["n"].dtype == torch.int64


def test_one_round_of_single_steps_equals_a_pooled_gradient_step():
    torch.manual_seed(0)
    x, y = torch.randn(12, 4), torch.randint(0, 3, (12,))
    net = torch.nn.Linear(4, 3)
    pooled = copy.deepcopy(net)
    run_fedavg(net, [(x[:4], y[:4]), (x[4:], y[4:])], rounds=1, lr=0.2, batch_size=64)
    torch.nn.functional.cross_entropy(pooled(x), y).backward()
    with torch.no_grad():
        for p in pooled.parameters():
            p -= 0.2 * p.grad
    for a, b in zip(net.parameters(), pooled.parameters()):
        torch.testing.assert_close(a, b)


def test_local_train_is_reproducible_and_only_changes_its_own_copy():
    torch.manual_seed(0)
    x, y = torch.randn(20, 4), torch.randint(0, 2, (20,))
    base = torch.nn.Linear(4, 2)
    a, b = copy.deepcopy(base), copy.deepcopy(base)
    local_train(a, x, y, epochs=2, lr=0.1, batch_size=5, seed=1)
    local_train(b, x, y, epochs=2, lr=0.1, batch_size=5, seed=1)
    assert torch.equal(a.weight, b.weight) and not torch.equal(a.weight, base.weight)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="Expected num_clients to be a positive int"):
        dirichlet_split(np.zeros(5), num_clients=0, alpha=1.0)
    with pytest.raises(ValueError, match=r"Expected labels of shape \(N,\)"):
        dirichlet_split(np.zeros((5, 2)), num_clients=2, alpha=1.0)
    with pytest.raises(ValueError, match="Expected one weight per client state"):
        fedavg([{"w": torch.zeros(1)}], weights=[1, 2])
    with pytest.raises(ValueError, match="Expected non-negative weights"):
        fedavg([{"w": torch.zeros(1)}], weights=[-1])
    with pytest.raises(ValueError, match="Expected as many targets as inputs"):
        local_train(torch.nn.Linear(2, 2), torch.zeros(3, 2), torch.zeros(2, dtype=torch.long), epochs=1, lr=0.1,
                    batch_size=2, seed=0)
    with pytest.raises(ValueError, match="Expected rounds to be a positive int"):
        run_fedavg(torch.nn.Linear(2, 2), [(torch.zeros(1, 2), torch.zeros(1, dtype=torch.long))], rounds=0)
    with pytest.raises(ValueError, match="at least one client"):
        run_fedavg(torch.nn.Linear(2, 2), [], rounds=1)
