r"""Tabular Q-learning and value iteration for environments with a few discrete states (FrozenLake, Taxi).

Q-learning (Watkins, 1989) keeps one number $Q(s, a)$ per state and action and, after each step
$(s, a, r, s')$, moves it towards the one-step target:

$$Q(s, a) \leftarrow Q(s, a) + \alpha \big(r + \gamma (1 - \text{terminated}) \max_{a'} Q(s', a') - Q(s, a)\big).$$

It needs no model of the environment. Value iteration, in contrast, reads the environment's transition table
$P(s' \mid s, a)$ and computes the optimal values directly; it is the reference the learned table is checked
against.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlkit.rl.evaluate import check_positive_int

__all__ = ["q_learning", "value_iteration", "greedy_policy", "success_rate"]


def q_learning(
    env: Any,
    *,
    episodes: int,
    alpha: float = 0.1,
    gamma: float = 0.99,
    epsilon_start: float = 1.0,
    epsilon_end: float = 0.05,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Learn a Q-table on a gymnasium environment with discrete observations and actions.

    The agent acts $\epsilon$-greedily, with $\epsilon$ falling linearly from ``epsilon_start`` to ``epsilon_end``
    over the first half of the episodes; ties between equal Q-values are broken at random.

    Args:
        env: e.g. ``gymnasium.make("FrozenLake-v1")``.
        episodes: number of training episodes.
        alpha: learning rate in (0, 1].
        gamma: discount factor in [0, 1].
        seed: seeds the environment's first reset and the agent's random choices.

    Returns:
        ``(q_table, episode_returns)``: the table of shape ``(num_states, num_actions)`` and each episode's return.

    Example:
        >>> import gymnasium as gym
        >>> from dlkit.rl.qlearning import q_learning, greedy_policy
        >>> env = gym.make("FrozenLake-v1", is_slippery=False)  # a deterministic 4x4 lake
        >>> q_table, returns = q_learning(env, episodes=300, alpha=0.5, seed=0)
        >>> q_table.shape, returns[-50:].mean() > 0.5  # it reaches the goal in most late episodes
        ((16, 4), np.True_)
        >>> q_learning(env, episodes=10, alpha=0.0)
        Traceback (most recent call last):
        ...
        ValueError: Expected alpha in (0, 1], but got 0.0
    """
    check_positive_int("episodes", episodes)
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"Expected alpha in (0, 1], but got {alpha}")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"Expected gamma in [0, 1], but got {gamma}")
    if not hasattr(env.observation_space, "n") or not hasattr(env.action_space, "n"):
        raise TypeError(
            f"Expected an environment with discrete observations and actions, but got observation space "
            f"{env.observation_space} and action space {env.action_space}"
        )
    num_states, num_actions = int(env.observation_space.n), int(env.action_space.n)
    q_table = np.zeros((num_states, num_actions))
    returns = np.zeros(episodes)
    rng = np.random.default_rng(seed)
    state, _ = env.reset(seed=seed)
    for episode in range(episodes):
        if episode > 0:
            state, _ = env.reset()
        epsilon = max(epsilon_end, epsilon_start - (epsilon_start - epsilon_end) * episode / (episodes / 2))
        done = False
        while not done:
            if rng.random() < epsilon:
                action = int(rng.integers(num_actions))
            else:  # greedy, ties broken at random
                best = np.flatnonzero(q_table[state] == q_table[state].max())
                action = int(rng.choice(best))
            next_state, reward, terminated, truncated, _ = env.step(action)
            target = reward + gamma * (0.0 if terminated else q_table[next_state].max())
            q_table[state, action] += alpha * (target - q_table[state, action])
            returns[episode] += reward
            state, done = next_state, terminated or truncated
    return q_table, returns


def value_iteration(transitions: dict, *, gamma: float = 0.99, tol: float = 1e-10) -> np.ndarray:
    r"""The optimal Q-table from a known model, by iterating the Bellman optimality equation to convergence.

    $Q(s, a) = \sum_{s'} P(s' \mid s, a) \big(r + \gamma (1 - \text{done}) \max_{a'} Q(s', a')\big)$.

    Args:
        transitions: gymnasium's toy-text table, ``env.unwrapped.P``: ``P[s][a]`` is a list of
            ``(probability, next_state, reward, done)``.
        gamma: discount factor in [0, 1).

    Example:
        >>> import gymnasium as gym
        >>> from dlkit.rl.qlearning import value_iteration
        >>> env = gym.make("FrozenLake-v1", is_slippery=False)
        >>> q_star = value_iteration(env.unwrapped.P, gamma=0.9)
        >>> round(float(q_star[0].max()), 4)  # the goal is 6 steps away: 0.9 ** 5
        0.5905
    """
    if not 0.0 <= gamma < 1.0:
        raise ValueError(f"Expected gamma in [0, 1) for value iteration to converge, but got {gamma}")
    num_states, num_actions = len(transitions), len(transitions[0])
    q_table = np.zeros((num_states, num_actions))
    while True:
        values = q_table.max(axis=1)
        new = np.array([[sum(p * (r + gamma * (0.0 if done else values[s2])) for p, s2, r, done in transitions[s][a])
                         for a in range(num_actions)] for s in range(num_states)])
        if np.abs(new - q_table).max() < tol:
            return new
        q_table = new


def greedy_policy(q_table: np.ndarray) -> np.ndarray:
    """The action with the highest Q-value in each state (the first one on ties), shape ``(num_states,)``.

    Example:
        >>> import numpy as np
        >>> from dlkit.rl.qlearning import greedy_policy
        >>> greedy_policy(np.array([[0.0, 1.0], [2.0, 2.0]])).tolist()
        [1, 0]
    """
    if q_table.ndim != 2:
        raise ValueError(f"Expected a Q-table of shape (num_states, num_actions), but got {q_table.shape}")
    return q_table.argmax(axis=1)


def success_rate(env: Any, policy: np.ndarray, *, episodes: int = 1000, seed: int = 0) -> float:
    """The share of ``episodes`` in which following ``policy`` (one action per state) earns a positive return.

    Example:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> from dlkit.rl.qlearning import success_rate
        >>> env = gym.make("FrozenLake-v1", is_slippery=False)
        >>> success_rate(env, np.array([1, 2, 1, 0, 1, 0, 1, 0, 2, 1, 1, 0, 0, 2, 2, 0]), episodes=5)
        1.0
    """
    check_positive_int("episodes", episodes)
    successes = 0
    state, _ = env.reset(seed=seed)
    for episode in range(episodes):
        if episode > 0:
            state, _ = env.reset()
        total, done = 0.0, False
        while not done:
            state, reward, terminated, truncated, _ = env.step(int(policy[state]))
            total += reward
            done = terminated or truncated
        successes += total > 0
    return successes / episodes
