r"""Deep Q-network (DQN, Mnih et al., 2015): Q-learning with a network, a replay buffer and a target network.

Read top to bottom: ``epsilon_schedule`` (how much the agent explores), ``dqn_loss`` (the temporal-difference
error), then ``train_dqn`` (the loop). The network $Q_\theta(s, \cdot)$ gives one value per action and is fitted
to the one-step target computed with a *target network* $Q_{\bar\theta}$, a copy refreshed every few updates:

$$y = r + \gamma\, (1 - \text{terminated}) \max_{a'} Q_{\bar\theta}(s', a'), \qquad
L = \operatorname{Huber}\big(Q_\theta(s, a) - y\big).$$

The transitions come from a ``ReplayBuffer`` sampled at random, not from the last few steps in order.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch
from torch import nn

from dlkit.models.mlp import MLP
from dlkit.rl.buffers import ReplayBuffer
from dlkit.rl.evaluate import (
    RLRun,
    check_positive_int,
    default_device,
    evaluate_and_record,
    make_vector_env,
    one_thread,
    step_and_record,
)

__all__ = ["epsilon_schedule", "dqn_loss", "train_dqn"]


def epsilon_schedule(step: int, *, start: float = 1.0, end: float = 0.05, decay_steps: int = 10_000) -> float:
    """The exploration rate at ``step``: from ``start`` down to ``end`` linearly over ``decay_steps``, then flat.

    Example:
        >>> from dlkit.rl.dqn import epsilon_schedule
        >>> [round(epsilon_schedule(s, decay_steps=100), 3) for s in (0, 50, 100, 1000)]
        [1.0, 0.525, 0.05, 0.05]
    """
    if not 0.0 <= end <= start <= 1.0:
        raise ValueError(f"Expected 0 <= end <= start <= 1, but got start={start} and end={end}")
    check_positive_int("decay_steps", decay_steps)
    return end + (start - end) * max(0.0, 1.0 - step / decay_steps)


def dqn_loss(
    q_net: nn.Module, target_net: nn.Module, batch: dict[str, torch.Tensor], *, gamma: float
) -> torch.Tensor:
    r"""The Huber loss between $Q_\theta(s, a)$ and the target $r + \gamma (1 - \text{terminated}) \max_{a'}
    Q_{\bar\theta}(s', a')$ on a batch from ``ReplayBuffer.sample`` (on the networks' device).

    Example:
        >>> import torch
        >>> from dlkit.rl.dqn import dqn_loss
        >>> q = torch.nn.Linear(2, 2)
        >>> batch = {"obs": torch.zeros(3, 2), "action": torch.tensor([0, 1, 0]), "reward": torch.ones(3),
        ...          "next_obs": torch.zeros(3, 2), "terminated": torch.ones(3)}  # terminal: target = reward
        >>> with torch.no_grad():
        ...     _ = q.weight.zero_(), q.bias.fill_(1.0)  # Q = 1 everywhere: no error
        >>> dqn_loss(q, q, batch, gamma=0.99).item()
        0.0
    """
    q_values = q_net(batch["obs"]).gather(1, batch["action"].unsqueeze(1)).squeeze(1)  # Q(s, a), (B,)
    with torch.no_grad():
        next_q = target_net(batch["next_obs"]).max(dim=1).values  # max_a' Q_target(s', a'), (B,)
        target = batch["reward"] + gamma * (1.0 - batch["terminated"]) * next_q
    return nn.functional.smooth_l1_loss(q_values, target)


@one_thread()
def train_dqn(
    *,
    env_id: str = "CartPole-v1",
    total_steps: int = 50_000,
    num_envs: int = 4,
    hidden_dims: tuple[int, ...] = (128, 128),
    buffer_size: int = 50_000,
    batch_size: int = 64,
    lr: float = 1e-3,
    gamma: float = 0.99,
    learning_starts: int = 1_000,
    train_every: int = 4,
    target_update_every: int = 250,
    epsilon_start: float = 1.0,
    epsilon_end: float = 0.05,
    epsilon_decay_steps: int = 10_000,
    max_grad_norm: float = 10.0,
    seed: int = 0,
    eval_every: int = 4096,
    eval_seeds: tuple[int, ...] = tuple(range(1000, 1020)),
    target_return: float | None = None,
    device: torch.device | str | None = None,
) -> RLRun:
    """Train a Q-network (an ``MLP``) with DQN on ``num_envs`` copies of ``env_id``, on one CPU thread.

    The agent acts $\\epsilon$-greedily (``epsilon_schedule``), stores every transition in a ``ReplayBuffer``,
    and after ``learning_starts`` steps makes one gradient step on a random batch every ``train_every``
    environment steps; the target network is refreshed every ``target_update_every`` gradient steps. Evaluation
    and early stopping work as in ``dlkit.rl.ppo.train_ppo``.

    Example:
        >>> from dlkit.rl.dqn import train_dqn
        >>> run = train_dqn(total_steps=400, learning_starts=200, eval_every=200, seed=0)
        >>> run.env_steps, run.eval_steps, len(run.eval_returns)
        (400, [200, 400], 2)
        >>> train_dqn(train_every=0)
        Traceback (most recent call last):
        ...
        ValueError: Expected train_every to be a positive int, but got 0
    """
    for name, value in (("total_steps", total_steps), ("num_envs", num_envs), ("buffer_size", buffer_size),
                        ("batch_size", batch_size), ("train_every", train_every),
                        ("target_update_every", target_update_every), ("eval_every", eval_every)):
        check_positive_int(name, value)
    if not lr > 0:
        raise ValueError(f"Expected a positive learning rate, but got lr={lr}")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"Expected gamma in [0, 1], but got {gamma}")
    device = torch.device(device) if device is not None else default_device()
    start = time.perf_counter()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    envs = make_vector_env(env_id, num_envs)
    obs_dim, num_actions = envs.single_observation_space.shape[0], int(envs.single_action_space.n)
    q_net = MLP(in_features=obs_dim, out_features=num_actions, hidden_dims=hidden_dims).to(device)
    target_net = copy.deepcopy(q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=lr)
    buffer = ReplayBuffer(capacity=buffer_size, obs_dim=obs_dim, seed=seed)
    run = RLRun(net=q_net)

    obs, _ = envs.reset(seed=[seed * 1000 + i for i in range(num_envs)])
    episode_return = np.zeros(num_envs)
    next_eval, next_train, updates = eval_every, learning_starts, 0
    while run.env_steps < total_steps:
        # 1. Act epsilon-greedily: a random action with probability epsilon, else argmax_a Q(s, a).
        epsilon = epsilon_schedule(run.env_steps, start=epsilon_start, end=epsilon_end,
                                   decay_steps=epsilon_decay_steps)
        with torch.no_grad():
            greedy = q_net(torch.as_tensor(obs, dtype=torch.float32, device=device)).argmax(dim=1).cpu().numpy()
        explore = rng.random(num_envs) < epsilon
        actions = np.where(explore, rng.integers(0, num_actions, num_envs), greedy)
        next_obs, rewards, terminated, _, final_obs = step_and_record(envs, actions, run, episode_return)
        buffer.add(obs, actions, rewards, final_obs, terminated)  # a time limit is not a terminal state
        obs = next_obs

        # 2. Learn from random past transitions: one gradient step every train_every environment steps.
        while run.env_steps >= next_train:
            next_train += train_every
            batch = {key: value.to(device) for key, value in buffer.sample(batch_size).items()}
            loss = dqn_loss(q_net, target_net, batch, gamma=gamma)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(q_net.parameters(), max_grad_norm)
            optimizer.step()
            updates += 1
            if updates % target_update_every == 0:
                target_net.load_state_dict(q_net.state_dict())  # refresh the target network

        # 3. Evaluate the greedy policy now and then; stop once solved.
        if run.env_steps >= next_eval:
            next_eval += eval_every
            if evaluate_and_record(run, lambda o: q_net(o).argmax(dim=1), env_id=env_id, seeds=eval_seeds,
                                   device=device, target_return=target_return):
                break
    envs.close()
    run.seconds = time.perf_counter() - start
    return run
