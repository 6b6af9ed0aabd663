"""Reinforcement learning on gymnasium's environments: tabular Q-learning, DQN, PPO and SAC.

Import the part you need (``import dlkit.rl`` imports nothing else, and nothing needs gymnasium until an
environment is made):

- ``dlkit.rl.buffers``: ``ReplayBuffer`` (DQN's and SAC's memory of transitions) and ``gae`` (advantages for PPO);
- ``dlkit.rl.qlearning``: tabular Q-learning and value iteration on a discrete environment (FrozenLake, Taxi);
- ``dlkit.rl.dqn``: a deep Q-network agent with a replay buffer and a target network;
- ``dlkit.rl.ppo``: proximal policy optimisation with an actor-critic network;
- ``dlkit.rl.sac``: soft actor-critic for continuous actions (Pendulum);
- ``dlkit.rl.evaluate``: the return of a policy over a fixed set of episode seeds, and the loop pieces the agents
  share.

The agents are plain PyTorch loops rather than Lightning tasks: their data are not a fixed dataset but the
agent's own experience, collected between gradient steps, and a CartPole run takes tens of thousands of tiny
steps, where Lightning's fixed cost per step (about 0.5 ms here) would double the run time.
"""
