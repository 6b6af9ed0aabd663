r"""Where an agent keeps its experience: a replay buffer (DQN) and generalised advantage estimates (PPO).

Read top to bottom: ``ReplayBuffer`` stores transitions $(s, a, r, s', \text{terminated})$ in a ring and samples
them uniformly; ``gae`` turns one rollout of rewards and value estimates into advantages and returns.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["ReplayBuffer", "gae"]


class ReplayBuffer:
    r"""A fixed-capacity ring buffer of transitions, sampled uniformly at random.

    DQN learns from old experience: each environment step adds one transition (or one per environment of a
    vector environment), and each update trains on a random mini-batch of them. Sampling at random breaks the
    correlation between consecutive steps; once ``capacity`` transitions are stored, the oldest are overwritten.

    Args:
        capacity: the most transitions kept.
        obs_dim: the length of one observation vector.
        action_dim: ``None`` for discrete actions (one int each, DQN); the length of a continuous action vector
            otherwise (SAC).
        seed: seeds the sampling (``None``: a fresh, unseeded generator).

    Example:
        >>> import numpy as np
        >>> from dlkit.rl.buffers import ReplayBuffer
        >>> buffer = ReplayBuffer(capacity=3, obs_dim=2, seed=0)
        >>> for step in range(5):  # five transitions into three places: the first two are overwritten
        ...     buffer.add(np.full((1, 2), step), np.array([step % 2]), np.array([1.0]),
        ...                np.full((1, 2), step + 1), np.array([False]))
        >>> len(buffer), sorted(buffer.obs[:, 0].tolist())
        (3, [2.0, 3.0, 4.0])
        >>> batch = buffer.sample(4)
        >>> {name: tuple(value.shape) for name, value in batch.items()}
        {'obs': (4, 2), 'action': (4,), 'reward': (4,), 'next_obs': (4, 2), 'terminated': (4,)}
        >>> buffer.sample(0)
        Traceback (most recent call last):
        ...
        ValueError: Expected a batch_size >= 1, but got 0
    """

    def __init__(
        self, *, capacity: int, obs_dim: int, action_dim: int | None = None, seed: int | None = None
    ) -> None:
        for name, value in (("capacity", capacity), ("obs_dim", obs_dim), ("action_dim", action_dim or 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Expected {name} to be a positive int, but got {value!r}")
        self.capacity, self.obs_dim, self.action_dim = capacity, obs_dim, action_dim
        self.obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        # discrete actions: one int each; continuous (action_dim given): a float vector each
        self.action = (np.zeros(capacity, dtype=np.int64) if action_dim is None
                       else np.zeros((capacity, action_dim), dtype=np.float32))
        self.reward = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.position, self.size = 0, 0
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.size

    def add(
        self,
        obs: np.ndarray,
        action: np.ndarray,
        reward: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray,
    ) -> None:
        """Store a batch of ``N`` transitions: ``obs``/``next_obs`` of shape ``(N, obs_dim)``, the rest ``(N,)``.

        ``terminated`` is true where the episode ended in a terminal state (the pole fell), so that no future
        value is bootstrapped from ``next_obs``; an episode cut by a time limit is not terminated.
        """
        obs, next_obs = np.asarray(obs, dtype=np.float32), np.asarray(next_obs, dtype=np.float32)
        if obs.ndim != 2 or obs.shape[1] != self.obs_dim or next_obs.shape != obs.shape:
            raise ValueError(
                f"Expected obs and next_obs of shape (N, {self.obs_dim}), but got {obs.shape} and {next_obs.shape}"
            )
        n = len(obs)
        columns = {"action": action, "reward": reward, "terminated": terminated}
        for name, value in columns.items():
            shape = (n, self.action_dim) if name == "action" and self.action_dim is not None else (n,)
            if np.shape(value) != shape:
                raise ValueError(f"Expected {name} of shape {shape}, one per transition, but got {np.shape(value)}")
        places = (self.position + np.arange(n)) % self.capacity  # the ring: wrap around and overwrite the oldest
        self.obs[places], self.next_obs[places] = obs, next_obs
        self.action[places] = action
        self.reward[places] = reward
        self.terminated[places] = terminated
        self.position = int((self.position + n) % self.capacity)
        self.size = min(self.size + n, self.capacity)

    def sample(self, batch_size: int) -> dict[str, torch.Tensor]:
        """``batch_size`` stored transitions drawn uniformly with replacement, as CPU tensors."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"Expected a batch_size >= 1, but got {batch_size!r}")
        if self.size == 0:
            raise ValueError("Expected a non-empty buffer to sample from, but nothing was added yet")
        index = self.rng.integers(0, self.size, size=batch_size)
        return {
            "obs": torch.from_numpy(self.obs[index]),
            "action": torch.from_numpy(self.action[index]),
            "reward": torch.from_numpy(self.reward[index]),
            "next_obs": torch.from_numpy(self.next_obs[index]),
            "terminated": torch.from_numpy(self.terminated[index]),
        }


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    ended: torch.Tensor,
    *,
    gamma: float,
    lam: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Generalised advantage estimates (Schulman et al., 2016) for a rollout of ``T`` steps in ``N`` environments.

    With the one-step error $\delta_t = r_t + \gamma (1 - \text{terminated}_t) V(s_{t+1}) - V(s_t)$, the advantage
    is the discounted sum $A_t = \delta_t + \gamma \lambda (1 - \text{ended}_t) A_{t+1}$: $\lambda = 0$ gives the
    one-step TD error, $\lambda = 1$ the Monte-Carlo return minus $V(s_t)$. The returns that train the critic are
    $A_t + V(s_t)$.

    Args:
        rewards, values, next_values, terminated, ended: tensors of shape ``(T, N)``. ``next_values`` is
            $V(s_{t+1})$ for the state the step led to (the final observation where an episode ended);
            ``terminated`` is true where the episode reached a terminal state (no value after it) and ``ended``
            where it ended for any reason (terminal state or time limit: no advantage flows back across it).
        gamma: discount factor in [0, 1].
        lam: the GAE parameter $\lambda$ in [0, 1].

    Returns:
        ``(advantages, returns)``, both of shape ``(T, N)``.

    Example:
        >>> import torch
        >>> from dlkit.rl.buffers import gae
        >>> ones, zeros = torch.ones(3, 1), torch.zeros(3, 1)
        >>> last = torch.tensor([[0.0], [0.0], [1.0]])  # a 3-step episode that reaches a terminal state
        >>> advantages, returns = gae(ones, zeros, zeros, last, last, gamma=0.5, lam=1.0)
        >>> returns.squeeze(1).tolist()  # 1 + 0.5 + 0.25, 1 + 0.5, 1
        [1.75, 1.5, 1.0]
    """
    if not (0.0 <= gamma <= 1.0 and 0.0 <= lam <= 1.0):
        raise ValueError(f"Expected gamma and lam in [0, 1], but got gamma={gamma} and lam={lam}")
    shape = rewards.shape
    for name, tensor in (("values", values), ("next_values", next_values), ("terminated", terminated), ("ended", ended)):
        if tensor.shape != shape:
            raise ValueError(f"Expected {name} of shape {tuple(shape)} like rewards, but got {tuple(tensor.shape)}")
    if rewards.ndim != 2:
        raise ValueError(f"Expected rewards of shape (T, N), but got {tuple(shape)}")
    terminated, ended = terminated.float(), ended.float()
    deltas = rewards + gamma * (1.0 - terminated) * next_values - values  # (T, N)
    advantages = torch.zeros_like(deltas)
    running = torch.zeros_like(deltas[0])  # (N,)
    for t in reversed(range(shape[0])):
        running = deltas[t] + gamma * lam * (1.0 - ended[t]) * running
        advantages[t] = running
    return advantages, advantages + values
