r"""Soft actor-critic (SAC, Haarnoja et al., 2018) for continuous actions, such as Pendulum-v1's torque.

Read top to bottom: the actor (``SquashedGaussianActor``), the two losses (``sac_losses``), then the loop
(``train_sac``). The actor samples $a = \tanh(\mu_\phi(s) + \sigma_\phi(s)\,\varepsilon)$, scaled to the action
range; two critics $Q_1, Q_2$ are fitted to the *soft* one-step target, which adds the entropy bonus and takes
the smaller of two slowly moving target critics:

$$y = r + \gamma\,(1 - \text{terminated}) \big(\min_i Q_{\bar\theta_i}(s', a') - \alpha \log \pi(a' \mid s')\big),
\quad a' \sim \pi(\cdot \mid s'),$$

the actor maximises $\min_i Q_i(s, a) - \alpha \log \pi(a \mid s)$, and the temperature $\alpha$ is tuned so
that the policy's entropy stays near $-\dim(\mathcal{A})$. Transitions come from the same ``ReplayBuffer`` as
DQN's, with vector actions.
"""

from __future__ import annotations

import copy
import math
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

__all__ = ["SquashedGaussianActor", "sac_losses", "train_sac"]


class SquashedGaussianActor(nn.Module):
    """A Gaussian policy squashed by tanh into ``[-action_scale, action_scale]``.

    Example:
        >>> import torch
        >>> from dlkit.rl.sac import SquashedGaussianActor
        >>> actor = SquashedGaussianActor(obs_dim=3, action_dim=1, action_scale=2.0)
        >>> action, log_prob = actor.sample(torch.zeros(5, 3))
        >>> tuple(action.shape), tuple(log_prob.shape), bool((action.abs() <= 2.0).all())
        ((5, 1), (5,), True)
        >>> actor(torch.zeros(5, 4))
        Traceback (most recent call last):
        ...
        ValueError: Expected observations of shape (N, 3), but got (5, 4)
    """

    def __init__(self, *, obs_dim: int, action_dim: int, action_scale: float = 1.0,
                 hidden_dims: tuple[int, ...] = (64, 64)) -> None:
        super().__init__()
        check_positive_int("obs_dim", obs_dim)
        check_positive_int("action_dim", action_dim)
        if not action_scale > 0:
            raise ValueError(f"Expected a positive action_scale, but got {action_scale}")
        self.obs_dim, self.action_scale = obs_dim, float(action_scale)
        self.net = MLP(in_features=obs_dim, out_features=2 * action_dim, hidden_dims=hidden_dims)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The deterministic action ``action_scale * tanh(mean)``, for evaluation."""
        return self.action_scale * torch.tanh(self._mean_log_std(obs)[0])

    def _mean_log_std(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if obs.ndim != 2 or obs.shape[1] != self.obs_dim:
            raise ValueError(f"Expected observations of shape (N, {self.obs_dim}), but got {tuple(obs.shape)}")
        mean, log_std = self.net(obs).chunk(2, dim=1)
        return mean, log_std.clamp(-5.0, 2.0)

    def sample(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A reparameterised action sample ``(N, action_dim)`` and its log-probability ``(N,)``."""
        mean, log_std = self._mean_log_std(obs)
        u = mean + log_std.exp() * torch.randn_like(mean)  # rsample: gradients flow through the noise
        gaussian = torch.distributions.Normal(mean, log_std.exp()).log_prob(u).sum(dim=1)
        # change of variables a = scale * tanh(u): log|da/du| = log(scale) + log(1 - tanh(u)^2), computed stably
        log_det = (2 * (math.log(2) - u - nn.functional.softplus(-2 * u))).sum(dim=1)
        log_det = log_det + u.shape[1] * math.log(self.action_scale)
        return self.action_scale * torch.tanh(u), gaussian - log_det


def _q(critic: nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    return critic(torch.cat([obs, action], dim=1)).squeeze(1)


def sac_losses(
    actor: SquashedGaussianActor,
    critics: nn.ModuleList,
    target_critics: nn.ModuleList,
    log_alpha: torch.Tensor,
    batch: dict[str, torch.Tensor],
    *,
    gamma: float,
    target_entropy: float,
) -> dict[str, torch.Tensor]:
    r"""The three SAC losses on a batch from ``ReplayBuffer.sample``: ``{"critic", "actor", "alpha"}``.

    ``critic``: squared error of both critics to the soft target; ``actor``: $\alpha \log\pi(a|s) - \min_i
    Q_i(s, a)$ with $a$ sampled from the actor (the critics are not updated by it); ``alpha``: the temperature
    loss that pushes the entropy towards ``target_entropy``.

    Example:
        >>> import torch
        >>> from dlkit.models.mlp import MLP
        >>> from dlkit.rl.sac import SquashedGaussianActor, sac_losses
        >>> actor = SquashedGaussianActor(obs_dim=3, action_dim=1)
        >>> critics = torch.nn.ModuleList(MLP(in_features=4, out_features=1) for _ in range(2))
        >>> batch = {"obs": torch.zeros(8, 3), "action": torch.zeros(8, 1), "reward": torch.ones(8),
        ...          "next_obs": torch.zeros(8, 3), "terminated": torch.ones(8)}
        >>> losses = sac_losses(actor, critics, critics, torch.zeros(()), batch, gamma=0.99, target_entropy=-1.0)
        >>> sorted(losses), all(loss.ndim == 0 for loss in losses.values())
        (['actor', 'alpha', 'critic'], True)
    """
    alpha = log_alpha.exp().detach()
    with torch.no_grad():
        next_action, next_log_prob = actor.sample(batch["next_obs"])
        next_q = torch.min(*(_q(c, batch["next_obs"], next_action) for c in target_critics))
        target = batch["reward"] + gamma * (1.0 - batch["terminated"]) * (next_q - alpha * next_log_prob)
    critic = sum(nn.functional.mse_loss(_q(c, batch["obs"], batch["action"]), target) for c in critics)
    action, log_prob = actor.sample(batch["obs"])
    for c in critics:
        c.requires_grad_(False)  # the actor's loss moves the actor only
    q = torch.min(*(_q(c, batch["obs"], action) for c in critics))
    for c in critics:
        c.requires_grad_(True)
    actor_loss = (alpha * log_prob - q).mean()
    alpha_loss = -(log_alpha * (log_prob.detach() + target_entropy)).mean()
    return {"critic": critic, "actor": actor_loss, "alpha": alpha_loss}


@one_thread()
def train_sac(
    *,
    env_id: str = "Pendulum-v1",
    total_steps: int = 5_000,
    num_envs: int = 1,
    hidden_dims: tuple[int, ...] = (64, 64),
    buffer_size: int = 100_000,
    batch_size: int = 128,
    lr: float = 1e-3,
    gamma: float = 0.99,
    tau: float = 0.01,
    learning_starts: int = 500,
    seed: int = 0,
    eval_every: int = 1_000,
    eval_seeds: tuple[int, ...] = tuple(range(1000, 1010)),
    target_return: float | None = None,
    device: torch.device | str | None = None,
) -> RLRun:
    """Train a ``SquashedGaussianActor`` and two critics with SAC on ``env_id`` (a continuous-action environment).

    Random actions for the first ``learning_starts`` steps, then actions sampled from the actor and one gradient
    step of each loss per environment step; the target critics follow the critics by Polyak averaging
    (``tau``). Evaluation (the deterministic action ``tanh(mean)``) and early stopping as in ``train_ppo``.

    Example:
        >>> from dlkit.rl.sac import train_sac
        >>> run = train_sac(total_steps=300, learning_starts=100, eval_every=300, eval_seeds=(0,), seed=0)
        >>> run.env_steps, run.eval_steps, len(run.episode_returns)  # Pendulum: 200 steps an episode
        (300, [300], 1)
        >>> train_sac(tau=0)
        Traceback (most recent call last):
        ...
        ValueError: Expected tau in (0, 1], but got 0
    """
    for name, value in (("total_steps", total_steps), ("num_envs", num_envs), ("buffer_size", buffer_size),
                        ("batch_size", batch_size), ("eval_every", eval_every)):
        check_positive_int(name, value)
    if not lr > 0:
        raise ValueError(f"Expected a positive learning rate, but got lr={lr}")
    if not 0.0 < tau <= 1.0:
        raise ValueError(f"Expected tau in (0, 1], but got {tau}")
    device = torch.device(device) if device is not None else default_device()
    start = time.perf_counter()
    torch.manual_seed(seed)
    envs = make_vector_env(env_id, num_envs)
    space = envs.single_action_space
    if not hasattr(space, "high") or space.shape is None or len(space.shape) != 1:
        envs.close()
        raise ValueError(f"Expected an environment with a Box of continuous actions, but {env_id} has {space}")
    obs_dim, action_dim = envs.single_observation_space.shape[0], space.shape[0]
    scale = float(np.max(space.high))
    actor = SquashedGaussianActor(obs_dim=obs_dim, action_dim=action_dim, action_scale=scale,
                                  hidden_dims=hidden_dims).to(device)
    critics = nn.ModuleList(MLP(in_features=obs_dim + action_dim, out_features=1, hidden_dims=hidden_dims)
                            for _ in range(2)).to(device)
    target_critics = copy.deepcopy(critics).requires_grad_(False)
    log_alpha = torch.zeros((), device=device, requires_grad=True)
    optimizers = {
        "actor": torch.optim.Adam(actor.parameters(), lr=lr),
        "critic": torch.optim.Adam(critics.parameters(), lr=lr),
        "alpha": torch.optim.Adam([log_alpha], lr=lr),
    }
    buffer = ReplayBuffer(capacity=buffer_size, obs_dim=obs_dim, action_dim=action_dim, seed=seed)
    run = RLRun(net=actor)
    envs.action_space.seed(seed)

    obs, _ = envs.reset(seed=[seed * 1000 + i for i in range(num_envs)])
    episode_return = np.zeros(num_envs)
    next_eval = eval_every
    while run.env_steps < total_steps:
        # 1. Act: uniformly at random at first, then a sample from the actor.
        if run.env_steps < learning_starts:
            actions = envs.action_space.sample().astype(np.float32)
        else:
            with torch.no_grad():
                actions = actor.sample(torch.as_tensor(obs, dtype=torch.float32, device=device))[0].cpu().numpy()
        next_obs, rewards, terminated, _, final_obs = step_and_record(envs, actions, run, episode_return)
        buffer.add(obs, actions, rewards, final_obs, terminated)  # a time limit is not a terminal state
        obs = next_obs

        # 2. One gradient step of each loss per environment step; target critics trail by Polyak averaging.
        if run.env_steps >= learning_starts:
            for _ in range(num_envs):
                batch = {key: value.to(device) for key, value in buffer.sample(batch_size).items()}
                losses = sac_losses(actor, critics, target_critics, log_alpha, batch, gamma=gamma,
                                    target_entropy=-float(action_dim))
                for optimizer in optimizers.values():
                    optimizer.zero_grad()
                sum(losses.values()).backward()  # the three losses touch disjoint parameters
                for optimizer in optimizers.values():
                    optimizer.step()
                with torch.no_grad():
                    for target, online in zip(target_critics.parameters(), critics.parameters()):
                        target.lerp_(online, tau)

        # 3. Evaluate the deterministic policy now and then; stop once it reaches target_return.
        if run.env_steps >= next_eval:
            next_eval += eval_every
            if evaluate_and_record(run, actor, env_id=env_id, seeds=eval_seeds, device=device,
                                   target_return=target_return):
                break
    envs.close()
    run.seconds = time.perf_counter() - start
    return run
