import gymnasium as gym
import numpy as np
import pytest

from dlkit.rl.qlearning import greedy_policy, q_learning, success_rate, value_iteration


def test_value_iteration_on_the_deterministic_lake_gives_discounted_distances():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    q_star = value_iteration(env.unwrapped.P, gamma=0.9)
    assert np.isclose(q_star[14, 2], 1.0, rtol=1e-9)  # right of state 14 is the goal
    assert np.isclose(q_star[0].max(), 0.9**5, rtol=1e-9)  # six steps from the start
    assert success_rate(env, greedy_policy(q_star), episodes=3) == 1.0


def test_q_learning_finds_the_optimal_values_on_the_deterministic_lake():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    q_table, returns = q_learning(env, episodes=2000, alpha=0.5, gamma=0.9, seed=0)
    q_star = value_iteration(env.unwrapped.P, gamma=0.9)
    assert np.isclose(q_table[0].max(), q_star[0].max(), rtol=1e-3)  # the start's value, learned without a model
    assert returns.shape == (2000,) and set(np.unique(returns)) <= {0.0, 1.0}


def test_q_learning_is_reproducible_with_a_seed():
    env = gym.make("FrozenLake-v1")
    a, _ = q_learning(env, episodes=50, seed=3)
    b, _ = q_learning(env, episodes=50, seed=3)
    assert np.array_equal(a, b)


def test_bad_inputs_are_clear_errors():
    env = gym.make("FrozenLake-v1")
    with pytest.raises(ValueError, match="Expected episodes to be a positive int"):
        q_learning(env, episodes=0)
    with pytest.raises(ValueError, match=r"Expected gamma in \[0, 1\]"):
        q_learning(env, episodes=5, gamma=1.5)
    with pytest.raises(TypeError, match="discrete observations and actions"):
        q_learning(gym.make("CartPole-v1"), episodes=5)
    with pytest.raises(ValueError, match=r"Expected gamma in \[0, 1\) for value iteration"):
        value_iteration(env.unwrapped.P, gamma=1.0)
    with pytest.raises(ValueError, match="Expected a Q-table of shape"):
        greedy_policy(np.zeros(4))
