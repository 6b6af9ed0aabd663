r"""Proximal policy optimisation (PPO, Schulman et al., 2017) with an actor-critic network.

Read top to bottom: the network (``ActorCritic``), the loss (``ppo_loss``), then the loop (``train_ppo``) that
alternates between collecting a rollout with the current policy and a few epochs of gradient steps on it.

The loss keeps each update close to the policy that collected the data. With the probability ratio
$\rho_t = \pi_\theta(a_t \mid s_t) / \pi_{\text{old}}(a_t \mid s_t)$ and advantage $A_t$, the policy term is

$$L^{\text{clip}} = -\mathbb{E}_t\big[\min\big(\rho_t A_t,\ \operatorname{clip}(\rho_t, 1 - \epsilon, 1 + \epsilon) A_t\big)\big],$$

so that moving $\rho_t$ beyond $1 \pm \epsilon$ earns nothing more. The critic $V(s)$ is fitted to the returns
(squared error), and the advantages come from ``dlkit.rl.buffers.gae``.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch import nn

from dlkit.rl.buffers import gae
from dlkit.rl.evaluate import (
    RLRun,
    check_positive_int,
    default_device,
    evaluate_and_record,
    make_vector_env,
    one_thread,
    step_and_record,
)

__all__ = ["ActorCritic", "ppo_loss", "RLRun", "train_ppo"]  # RLRun: from dlkit.rl.evaluate


def _mlp(in_features: int, hidden_dim: int, out_features: int, out_gain: float) -> nn.Sequential:
    """Two tanh hidden layers, orthogonal weights (gain sqrt(2) inside, ``out_gain`` at the output), zero biases."""
    layers = [nn.Linear(in_features, hidden_dim), nn.Tanh(), nn.Linear(hidden_dim, hidden_dim), nn.Tanh()]
    layers.append(nn.Linear(hidden_dim, out_features))
    for layer in layers[::2]:
        nn.init.orthogonal_(layer.weight, gain=out_gain if layer is layers[-1] else math.sqrt(2))
        nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


class ActorCritic(nn.Module):
    """Two small networks side by side: the actor gives action logits, the critic the state's value $V(s)$.

    The actor's output layer starts near zero (gain 0.01), so the first policy is close to uniform: every action
    gets tried.

    Args:
        obs_dim: length of an observation vector (4 for CartPole).
        num_actions: number of discrete actions (2 for CartPole).
        hidden_dim: width of each of the two hidden layers of both networks.

    Example:
        >>> import torch
        >>> from dlkit.rl.ppo import ActorCritic
        >>> net = ActorCritic(obs_dim=4, num_actions=2)
        >>> logits, value = net(torch.zeros(3, 4))
        >>> tuple(logits.shape), tuple(value.shape)
        ((3, 2), (3,))
        >>> action = net.act(torch.zeros(3, 4), deterministic=True)  # the most probable action
        >>> torch.equal(action, logits.argmax(dim=1)), action.dtype
        (True, torch.int64)
        >>> net(torch.zeros(3, 5))
        Traceback (most recent call last):
        ...
        ValueError: Expected observations of shape (N, 4), but got (3, 5)
    """

    def __init__(self, *, obs_dim: int, num_actions: int, hidden_dim: int = 64) -> None:
        super().__init__()
        for name, value in (("obs_dim", obs_dim), ("num_actions", num_actions), ("hidden_dim", hidden_dim)):
            check_positive_int(name, value)
        self.obs_dim = obs_dim
        self.actor = _mlp(obs_dim, hidden_dim, num_actions, out_gain=0.01)
        self.critic = _mlp(obs_dim, hidden_dim, 1, out_gain=1.0)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(logits (N, num_actions), values (N,))`` for observations ``(N, obs_dim)``."""
        if obs.ndim != 2 or obs.shape[1] != self.obs_dim:
            raise ValueError(f"Expected observations of shape (N, {self.obs_dim}), but got {tuple(obs.shape)}")
        return self.actor(obs), self.critic(obs).squeeze(1)  # (N, 1) -> (N,)

    def act(self, obs: torch.Tensor, *, deterministic: bool = False) -> torch.Tensor:
        """Actions ``(N,)``: sampled from the policy, or its most probable action if ``deterministic``."""
        logits, _ = self(obs)
        if deterministic:
            return logits.argmax(dim=1)
        return torch.distributions.Categorical(logits=logits).sample()


def ppo_loss(
    logits: torch.Tensor,
    values: torch.Tensor,
    actions: torch.Tensor,
    old_log_probs: torch.Tensor,
    advantages: torch.Tensor,
    returns: torch.Tensor,
    *,
    clip: float = 0.2,
    value_coef: float = 0.5,
    entropy_coef: float = 0.0,
) -> dict[str, torch.Tensor]:
    r"""PPO's clipped objective on a batch: ``{"loss", "policy", "value", "entropy", "clip_fraction"}``.

    ``loss`` = policy term + ``value_coef`` $\cdot$ mean squared error of the critic $-$ ``entropy_coef``
    $\cdot$ entropy. Advantages are normalised to mean 0 and standard deviation 1 within the batch.

    Example:
        >>> import torch
        >>> from dlkit.rl.ppo import ppo_loss
        >>> logits = torch.zeros(4, 2)  # a uniform policy: log pi(a|s) = log 0.5 for both actions
        >>> actions = torch.tensor([0, 1, 0, 1])
        >>> same = torch.full((4,), torch.log(torch.tensor(0.5)).item())  # the data came from this same policy
        >>> terms = ppo_loss(logits, torch.zeros(4), actions, same, torch.tensor([1.0, -1.0, 2.0, -2.0]),
        ...                  torch.zeros(4))
        >>> abs(terms["policy"].item()) < 1e-6, terms["clip_fraction"].item()  # ratio 1: -mean(A) = 0, no clipping
        (True, 0.0)
    """
    if not 0.0 < clip < 1.0:
        raise ValueError(f"Expected clip in (0, 1), but got {clip}")
    if logits.ndim != 2 or not (len(values) == len(actions) == len(old_log_probs) == len(advantages) == len(logits)):
        raise ValueError(
            f"Expected logits (N, num_actions) and N values, actions, log-probs and advantages, but got logits "
            f"{tuple(logits.shape)} with {len(values)}, {len(actions)}, {len(old_log_probs)}, {len(advantages)}"
        )
    dist = torch.distributions.Categorical(logits=logits)
    advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    ratio = torch.exp(dist.log_prob(actions) - old_log_probs)  # pi_theta(a|s) / pi_old(a|s)
    policy = -torch.min(ratio * advantages, ratio.clamp(1 - clip, 1 + clip) * advantages).mean()
    value = (values - returns).pow(2).mean()
    entropy = dist.entropy().mean()
    clip_fraction = ((ratio - 1).abs() > clip).float().mean()
    loss = policy + value_coef * value - entropy_coef * entropy
    return {"loss": loss, "policy": policy, "value": value, "entropy": entropy, "clip_fraction": clip_fraction}


@one_thread()
def train_ppo(
    *,
    env_id: str = "CartPole-v1",
    total_steps: int = 100_000,
    num_envs: int = 8,
    num_steps: int = 32,
    epochs: int = 20,
    minibatch_size: int = 256,
    lr: float = 1e-3,
    gamma: float = 0.98,
    lam: float = 0.8,
    clip: float = 0.2,
    value_coef: float = 0.5,
    entropy_coef: float = 0.0,
    max_grad_norm: float = 0.5,
    hidden_dim: int = 64,
    seed: int = 0,
    eval_every: int = 4096,
    eval_seeds: tuple[int, ...] = tuple(range(1000, 1020)),
    target_return: float | None = None,
    device: torch.device | str | None = None,
) -> RLRun:
    """Train an ``ActorCritic`` with PPO on ``num_envs`` copies of ``env_id``; stop early once it is solved.

    It runs on one CPU thread (``one_thread``): the network is too small to gain from more.

    The defaults are Stable-Baselines3 RL Zoo's tuned CartPole-v1 settings (8 environments x 32 steps per
    rollout, 20 epochs, $\\gamma = 0.98$, $\\lambda = 0.8$, learning rate and clip range decaying linearly from
    1e-3 and 0.2 to 0 over ``total_steps``). Every ``eval_every`` steps the deterministic policy plays one episode
    per evaluation seed; with ``target_return`` set, training stops as soon as their mean reaches it.

    Example:
        >>> from dlkit.rl.ppo import train_ppo
        >>> run = train_ppo(total_steps=512, eval_every=256, seed=0)  # two rollouts of 8 x 32 steps
        >>> run.env_steps, run.eval_steps
        (512, [256, 512])
        >>> train_ppo(total_steps=100, num_envs=8, num_steps=32)
        Traceback (most recent call last):
        ...
        ValueError: Expected total_steps >= num_envs * num_steps = 256 (one rollout), but got 100
    """
    for name, value in (("total_steps", total_steps), ("num_envs", num_envs), ("num_steps", num_steps),
                        ("epochs", epochs), ("minibatch_size", minibatch_size), ("eval_every", eval_every)):
        check_positive_int(name, value)
    rollout = num_envs * num_steps
    if total_steps < rollout:
        raise ValueError(
            f"Expected total_steps >= num_envs * num_steps = {rollout} (one rollout), but got {total_steps}"
        )
    if rollout % minibatch_size != 0:
        raise ValueError(f"Expected minibatch_size to divide the rollout of {rollout} steps, but got {minibatch_size}")
    if not lr > 0:
        raise ValueError(f"Expected a positive learning rate, but got lr={lr}")
    device = torch.device(device) if device is not None else default_device()
    start = time.perf_counter()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    envs = make_vector_env(env_id, num_envs)
    obs_dim, num_actions = envs.single_observation_space.shape[0], int(envs.single_action_space.n)
    net = ActorCritic(obs_dim=obs_dim, num_actions=num_actions, hidden_dim=hidden_dim).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr, eps=1e-5)
    run = RLRun(net=net)

    def as_tensor(array: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(array, dtype=torch.float32, device=device)

    obs, _ = envs.reset(seed=[seed * 1000 + i for i in range(num_envs)])  # training seeds, apart from eval_seeds
    episode_return = np.zeros(num_envs)
    next_eval = eval_every
    while run.env_steps + rollout <= total_steps:
        # 1. Collect a rollout of num_steps steps in each of num_envs environments with the current policy.
        batch = {k: [] for k in ("obs", "actions", "log_probs", "values", "rewards", "next_obs", "terminated", "ended")}
        for _ in range(num_steps):
            with torch.no_grad():
                logits, values = net(as_tensor(obs))
                dist = torch.distributions.Categorical(logits=logits)
                actions = dist.sample()
            next_obs, rewards, terminated, ended, final_obs = step_and_record(envs, actions.cpu().numpy(), run,
                                                                              episode_return)
            for key, value in (("obs", obs), ("actions", actions), ("log_probs", dist.log_prob(actions)),
                               ("values", values), ("rewards", rewards), ("next_obs", final_obs),
                               ("terminated", terminated), ("ended", ended)):
                batch[key].append(value if isinstance(value, torch.Tensor) else as_tensor(value))
            obs = next_obs
        data = {key: torch.stack(value) for key, value in batch.items()}  # each (T, N, ...)
        with torch.no_grad():
            next_values = net(data["next_obs"].flatten(0, 1))[1].view(num_steps, num_envs)  # V(s_{t+1}), (T, N)
        advantages, returns = gae(data["rewards"], data["values"], next_values, data["terminated"], data["ended"],
                                  gamma=gamma, lam=lam)
        flat = {key: data[key].flatten(0, 1) for key in ("obs", "actions", "log_probs")}  # (T, N) -> (T * N,)
        advantages, returns = advantages.flatten(), returns.flatten()

        # 2. A few epochs of minibatch gradient steps on the clipped objective; rates decay linearly to 0.
        progress = 1.0 - (run.env_steps - rollout) / total_steps
        for group in optimizer.param_groups:
            group["lr"] = lr * progress
        for _ in range(epochs):
            order = torch.as_tensor(rng.permutation(rollout), device=device)
            for index in order.split(minibatch_size):
                logits, values = net(flat["obs"][index])
                terms = ppo_loss(logits, values, flat["actions"][index], flat["log_probs"][index],
                                 advantages[index], returns[index], clip=clip * progress, value_coef=value_coef,
                                 entropy_coef=entropy_coef)
                optimizer.zero_grad()
                terms["loss"].backward()
                nn.utils.clip_grad_norm_(net.parameters(), max_grad_norm)
                optimizer.step()

        # 3. Every eval_every steps: the deterministic policy on the evaluation seeds; stop once solved.
        if run.env_steps >= next_eval:
            next_eval += eval_every
            if evaluate_and_record(run, lambda o: net.act(o, deterministic=True), env_id=env_id,
                                   seeds=eval_seeds, device=device, target_return=target_return):
                break
    envs.close()
    run.seconds = time.perf_counter() - start
    return run
