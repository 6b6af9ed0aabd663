import gymnasium as gym
import numpy as np

from dlkit.rl.qlearning import greedy_policy, q_learning, success_rate, value_iteration

# FrozenLake: reach the goal G across a 4x4 frozen lake without falling into a hole H.
# The ice is slippery: the agent moves in the chosen direction only a third of the time
# (else to either side).
env = gym.make("FrozenLake-v1")  # 16 states, 4 actions (left, down, right, up)
q_table, returns = q_learning(env, episodes=6000, alpha=0.05, gamma=0.99, seed=0)
policy = greedy_policy(q_table)

# References: a random policy, and the optimal policy from the known transition table.
optimal = greedy_policy(value_iteration(env.unwrapped.P, gamma=0.99))
random_policy = np.random.default_rng(0).integers(0, 4, size=16)
rates = {name: success_rate(env, p, episodes=1000, seed=123)
         for name, p in [("Q-learning", policy), ("optimal", optimal),
                         ("random", random_policy)]}
for name, rate in rates.items():
    print(f"{name:>10} policy reaches the goal in {rate:.1%} of 1000 episodes")
