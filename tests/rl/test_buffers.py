import numpy as np
import pytest
import torch

from dlkit.rl.buffers import ReplayBuffer, gae


def add_ids(buffer, ids):
    ids = np.asarray(ids)
    obs = ids[:, None].repeat(buffer.obs_dim, 1)
    buffer.add(obs, ids % 2, ids.astype(float), obs + 1.0, ids == 7)


def test_ring_keeps_the_newest_transitions_in_order_of_arrival():
    buffer = ReplayBuffer(capacity=5, obs_dim=3, seed=0)
    add_ids(buffer, range(4))
    add_ids(buffer, range(4, 8))  # wraps: 5, 6, 7 overwrite 0, 1, 2
    assert len(buffer) == 5 and buffer.position == 3
    assert buffer.obs[:, 0].tolist() == [5, 6, 7, 3, 4]
    assert buffer.terminated.tolist() == [0, 0, 1, 0, 0]


def test_sample_draws_only_stored_transitions_and_is_consistent():
    buffer = ReplayBuffer(capacity=10, obs_dim=2, seed=1)
    add_ids(buffer, range(4))
    batch = buffer.sample(200)
    assert set(batch["obs"][:, 0].tolist()) == {0.0, 1.0, 2.0, 3.0}  # never an empty slot
    torch.testing.assert_close(batch["next_obs"][:, 0], batch["obs"][:, 0] + 1)
    torch.testing.assert_close(batch["reward"], batch["obs"][:, 0])
    assert batch["action"].dtype == torch.int64 and batch["obs"].dtype == torch.float32


def test_seeded_sampling_repeats():
    a, b = ReplayBuffer(capacity=10, obs_dim=1, seed=3), ReplayBuffer(capacity=10, obs_dim=1, seed=3)
    for buffer in (a, b):
        add_ids(buffer, range(10))
    assert torch.equal(a.sample(8)["obs"], b.sample(8)["obs"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"capacity": 0, "obs_dim": 2}, "capacity to be a positive int"), ({"capacity": 5, "obs_dim": 2.5}, "obs_dim")],
)
def test_bad_construction_is_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReplayBuffer(**kwargs)


def test_bad_adds_and_samples_are_clear_errors():
    buffer = ReplayBuffer(capacity=5, obs_dim=2)
    with pytest.raises(ValueError, match="nothing was added yet"):
        buffer.sample(1)
    with pytest.raises(ValueError, match=r"Expected obs and next_obs of shape \(N, 2\)"):
        buffer.add(np.zeros((1, 3)), np.zeros(1), np.zeros(1), np.zeros((1, 3)), np.zeros(1))
    with pytest.raises(ValueError, match=r"Expected reward of shape \(2,\)"):
        buffer.add(np.zeros((2, 2)), np.zeros(2), np.zeros(3), np.zeros((2, 2)), np.zeros(2))


def reference_gae(rewards, values, next_values, terminated, ended, gamma, lam):
    """GAE written the long way: for each step, the sum of discounted TD errors until the episode ends."""
    steps, envs = rewards.shape
    advantages = np.zeros((steps, envs))
    for n in range(envs):
        for t in range(steps):
            total, weight = 0.0, 1.0
            for k in range(t, steps):
                delta = rewards[k, n] + gamma * (1 - terminated[k, n]) * next_values[k, n] - values[k, n]
                total += weight * delta
                if ended[k, n]:
                    break
                weight *= gamma * lam
            advantages[t, n] = total
    return advantages


@pytest.mark.parametrize("lam", [0.0, 0.8, 1.0])
def test_gae_equals_the_sum_of_discounted_td_errors(lam):
    rng = np.random.default_rng(0)
    rewards, values, next_values = (rng.normal(size=(7, 3)) for _ in range(3))
    ended = rng.random((7, 3)) < 0.3
    terminated = ended & (rng.random((7, 3)) < 0.5)  # some episodes end by a time limit: not terminated
    as_t = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    advantages, returns = gae(as_t(rewards), as_t(values), as_t(next_values), as_t(terminated), as_t(ended),
                              gamma=0.9, lam=lam)
    expected = reference_gae(rewards, values, next_values, terminated, ended, 0.9, lam)
    torch.testing.assert_close(advantages, as_t(expected))
    torch.testing.assert_close(returns, as_t(expected + values))


def test_gae_bad_inputs_are_clear_errors():
    x = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="Expected gamma and lam in"):
        gae(x, x, x, x, x, gamma=1.5, lam=0.9)
    with pytest.raises(ValueError, match=r"Expected values of shape \(4, 2\)"):
        gae(x, torch.zeros(4), x, x, x, gamma=0.9, lam=0.9)
    with pytest.raises(ValueError, match=r"Expected rewards of shape \(T, N\)"):
        gae(torch.zeros(4), torch.zeros(4), torch.zeros(4), torch.zeros(4), torch.zeros(4), gamma=0.9, lam=0.9)
