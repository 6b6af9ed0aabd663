import numpy as np
import pytest
import torch
from torch.distributions import Normal, TransformedDistribution
from torch.distributions.transforms import AffineTransform, TanhTransform

from dlkit.rl.buffers import ReplayBuffer
from dlkit.rl.sac import SquashedGaussianActor, sac_losses, train_sac
from dlkit.models.mlp import MLP


def test_squashed_log_prob_equals_torchs_transformed_distribution():
    torch.manual_seed(0)
    actor = SquashedGaussianActor(obs_dim=3, action_dim=2, action_scale=2.0)
    obs = torch.randn(64, 3)
    torch.manual_seed(1)
    action, log_prob = actor.sample(obs)
    mean, log_std = actor._mean_log_std(obs)
    reference = TransformedDistribution(
        Normal(mean, log_std.exp()), [TanhTransform(cache_size=1), AffineTransform(0.0, 2.0)]
    )
    torch.testing.assert_close(log_prob, reference.log_prob(action).sum(dim=1), rtol=1e-4, atol=1e-3)
    assert bool((action.abs() <= 2.0).all())


def test_actor_loss_moves_only_the_actor_and_critic_loss_only_the_critics():
    torch.manual_seed(0)
    actor = SquashedGaussianActor(obs_dim=3, action_dim=1)
    critics = torch.nn.ModuleList(MLP(in_features=4, out_features=1) for _ in range(2))
    batch = {"obs": torch.randn(8, 3), "action": torch.rand(8, 1), "reward": torch.randn(8),
             "next_obs": torch.randn(8, 3), "terminated": torch.zeros(8)}
    log_alpha = torch.zeros((), requires_grad=True)
    losses = sac_losses(actor, critics, critics, log_alpha, batch, gamma=0.99, target_entropy=-1.0)
    losses["actor"].backward()
    assert all(p.grad is None for p in critics.parameters())
    assert any(p.grad is not None for p in actor.parameters())
    actor.zero_grad()
    losses["critic"].backward()
    assert all(p.grad is None or not p.grad.any() for p in actor.parameters())
    assert all(p.grad is not None for p in critics.parameters())


def test_replay_buffer_keeps_continuous_action_vectors():
    buffer = ReplayBuffer(capacity=4, obs_dim=3, action_dim=2, seed=0)
    buffer.add(np.zeros((2, 3)), np.array([[0.5, -1.0], [1.5, 2.0]]), np.ones(2), np.ones((2, 3)), np.zeros(2))
    batch = buffer.sample(16)
    assert batch["action"].shape == (16, 2) and batch["action"].dtype == torch.float32
    assert set(batch["action"][:, 0].tolist()) == {0.5, 1.5}
    with pytest.raises(ValueError, match=r"Expected action of shape \(1, 2\), one per transition, but got \(1,\)"):
        buffer.add(np.zeros((1, 3)), np.zeros(1), np.ones(1), np.ones((1, 3)), np.zeros(1))


def test_sac_rejects_bad_arguments_and_discrete_environments():
    with pytest.raises(ValueError, match="Expected a positive learning rate, but got lr=0"):
        train_sac(lr=0)
    with pytest.raises(ValueError, match="with a Box of continuous actions, but CartPole-v1 has Discrete"):
        train_sac(env_id="CartPole-v1", total_steps=10)
    with pytest.raises(ValueError, match="Expected a positive action_scale, but got -1"):
        SquashedGaussianActor(obs_dim=3, action_dim=1, action_scale=-1)
