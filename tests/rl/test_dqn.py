import copy

import pytest
import torch

from dlkit.models.mlp import MLP
from dlkit.rl.dqn import dqn_loss, epsilon_schedule, train_dqn


def test_target_uses_the_target_network_and_stops_at_terminal_states():
    q_net = MLP(in_features=2, out_features=2, hidden_dims=())
    target_net = copy.deepcopy(q_net)
    with torch.no_grad():
        target_net.layers[0].bias.fill_(5.0)
        target_net.layers[0].weight.zero_()
    batch = {"obs": torch.randn(4, 2), "action": torch.tensor([0, 1, 1, 0]), "reward": torch.ones(4),
             "next_obs": torch.randn(4, 2), "terminated": torch.tensor([0.0, 1.0, 0.0, 1.0])}
    q = q_net(batch["obs"]).gather(1, batch["action"][:, None]).squeeze(1)
    target = torch.tensor([1 + 0.9 * 5, 1, 1 + 0.9 * 5, 1])
    expected = torch.nn.functional.smooth_l1_loss(q, target)
    torch.testing.assert_close(dqn_loss(q_net, target_net, batch, gamma=0.9), expected)


def test_loss_gradient_reaches_only_the_online_network():
    q_net, target_net = MLP(in_features=2, out_features=2, hidden_dims=(4,)), MLP(in_features=2, out_features=2)
    batch = {"obs": torch.randn(4, 2), "action": torch.tensor([0, 1, 1, 0]), "reward": torch.ones(4),
             "next_obs": torch.randn(4, 2), "terminated": torch.zeros(4)}
    dqn_loss(q_net, target_net, batch, gamma=0.9).backward()
    assert all(p.grad is not None for p in q_net.parameters())
    assert all(p.grad is None for p in target_net.parameters())


def test_epsilon_schedule_endpoints_and_errors():
    assert epsilon_schedule(0) == 1.0 and epsilon_schedule(10**6) == 0.05
    with pytest.raises(ValueError, match="Expected 0 <= end <= start <= 1"):
        epsilon_schedule(0, start=0.1, end=0.5)
    with pytest.raises(ValueError, match="decay_steps"):
        epsilon_schedule(0, decay_steps=0)


def test_short_run_is_reproducible():
    a = train_dqn(total_steps=600, learning_starts=200, eval_every=300, seed=2)
    b = train_dqn(total_steps=600, learning_starts=200, eval_every=300, seed=2)
    assert a.eval_returns == b.eval_returns and a.env_steps == 600
    assert torch.equal(a.net.layers[0].weight, b.net.layers[0].weight)


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="Expected batch_size to be a positive int"):
        train_dqn(batch_size=0)
    with pytest.raises(ValueError, match=r"Expected gamma in \[0, 1\]"):
        train_dqn(gamma=2.0)
    with pytest.raises(ValueError, match="Expected a positive learning rate"):
        train_dqn(lr=-1.0)
