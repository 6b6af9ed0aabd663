"""How good is a policy: its return over a fixed set of episode seeds, and where the agents run; and the pieces
of a training loop that every agent here shares (``RLRun``, ``make_vector_env``, ``step_and_record``,
``evaluate_and_record``).

``evaluate_policy`` plays one episode per seed, all at once in a vector environment, and returns the
undiscounted return of each: with the same seeds, two policies (or two runs) are scored on the same episodes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from dlkit.training import default_accelerator

__all__ = [
    "evaluate_policy",
    "default_device",
    "check_positive_int",
    "one_thread",
    "RLRun",
    "make_vector_env",
    "step_and_record",
    "evaluate_and_record",
]


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run the block with one intra-op CPU thread, then restore the previous setting.

    The agents' networks are tiny (4 inputs, 64 hidden units, batches of 8 to 256): splitting such an operation
    over threads costs more in synchronisation than it saves, and on a busy two-core machine a second thread
    made a PPO run 35 times slower (271 s instead of 7.8 s, measured while writing these pages).

    Example:
        >>> import torch
        >>> from dlkit.rl.evaluate import one_thread
        >>> before = torch.get_num_threads()
        >>> with one_thread():
        ...     torch.get_num_threads()
        1
        >>> torch.get_num_threads() == before
        True
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def default_device() -> torch.device:
    """The accelerator where there is one (unless ``DLKIT_ACCELERATOR=cpu``), else the CPU.

    Example:
        >>> from dlkit.rl.evaluate import default_device
        >>> default_device().type in ("cpu", "cuda", "mps", "xpu")
        True
    """
    if default_accelerator() != "cpu" and torch.accelerator.is_available():
        return torch.accelerator.current_accelerator()
    return torch.zeros(0).device  # the CPU


def check_positive_int(name: str, value: object) -> None:
    """Raise a clear ``ValueError`` unless ``value`` is an int >= 1 (``name`` names it in the message).

    Example:
        >>> from dlkit.rl.evaluate import check_positive_int
        >>> check_positive_int("num_envs", 0)
        Traceback (most recent call last):
        ...
        ValueError: Expected num_envs to be a positive int, but got 0
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"Expected {name} to be a positive int, but got {value!r}")


@one_thread()
def evaluate_policy(
    policy: Callable[[torch.Tensor], torch.Tensor],
    *,
    env_id: str = "CartPole-v1",
    seeds: Sequence[int] = tuple(range(1000, 1020)),
    device: torch.device | str | None = None,
) -> np.ndarray:
    """The return of one episode per seed, played by ``policy`` (one vector environment, one env per seed).

    Args:
        policy: maps a batch of observations ``(N, obs_dim)`` (a float tensor on ``device``) to actions ``(N,)``.
        env_id: a gymnasium environment id with vector observations and discrete actions.
        seeds: one episode per seed; the same seeds give the same starting states.
        device: where the observations are sent (default: ``default_device()``).

    Returns:
        an array of ``len(seeds)`` returns, in the order of ``seeds``.

    Example:
        >>> import torch
        >>> from dlkit.rl.evaluate import evaluate_policy
        >>> always_left = lambda obs: torch.zeros(len(obs), dtype=torch.long)
        >>> returns = evaluate_policy(always_left, seeds=[0, 1, 2])
        >>> returns.shape, bool((returns < 20).all())  # pushing one way, the pole falls within 20 steps
        ((3,), True)
    """
    import gymnasium as gym

    if len(seeds) == 0:
        raise ValueError("Expected at least one seed to evaluate on, but got none")
    device = torch.device(device) if device is not None else default_device()
    envs = gym.vector.SyncVectorEnv([lambda: gym.make(env_id) for _ in seeds])
    obs, _ = envs.reset(seed=[int(seed) for seed in seeds])
    returns = np.zeros(len(seeds))
    running = np.ones(len(seeds), dtype=bool)  # episodes still going; later episodes of an env are ignored
    with torch.no_grad():
        while running.any():
            actions = policy(torch.as_tensor(obs, dtype=torch.float32, device=device))
            obs, rewards, terminated, truncated, _ = envs.step(actions.cpu().numpy())
            returns += rewards * running
            running &= ~(terminated | truncated)
    envs.close()
    return returns


@dataclass
class RLRun:
    """What a training run did: the trained network, its learning curve, its cost.

    ``eval_steps``/``eval_returns``: environment steps and the mean return over the evaluation seeds there;
    ``episode_steps``/``episode_returns``: the step at which each training episode ended and its return;
    ``env_steps``: environment steps used for training (evaluation episodes not counted); ``seconds``: wall time;
    ``solved_at``: the step at which the evaluation mean first reached ``target_return`` (``None``: never).
    """

    net: nn.Module
    eval_steps: list[int] = field(default_factory=list)
    eval_returns: list[float] = field(default_factory=list)
    episode_steps: list[int] = field(default_factory=list)
    episode_returns: list[float] = field(default_factory=list)
    env_steps: int = 0
    seconds: float = 0.0
    solved_at: int | None = None


def make_vector_env(env_id: str, num_envs: int):
    """``num_envs`` copies of ``env_id`` stepped together; an ended episode restarts within the same step.

    Example:
        >>> from dlkit.rl.evaluate import make_vector_env
        >>> envs = make_vector_env("CartPole-v1", 3)
        >>> envs.num_envs, envs.reset(seed=0)[0].shape
        (3, (3, 4))
    """
    import gymnasium as gym

    check_positive_int("num_envs", num_envs)
    return gym.vector.SyncVectorEnv(
        [lambda: gym.make(env_id) for _ in range(num_envs)], autoreset_mode=gym.vector.AutoresetMode.SAME_STEP
    )


def step_and_record(
    envs, actions: np.ndarray, run: RLRun, episode_return: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Step every environment of ``envs`` with ``actions``; count the steps and each ended episode's return in
    ``run`` (``episode_return`` holds each environment's running return and is updated in place).

    Returns ``(next_obs, rewards, terminated, ended, final_obs)``: ``next_obs`` is where each environment is now
    (a new episode's start where one ended), ``final_obs`` the state each step really led to (the learning
    target), ``ended`` = terminated or cut by the time limit.

    Example:
        >>> import numpy as np
        >>> from dlkit.rl.evaluate import RLRun, make_vector_env, step_and_record
        >>> envs, run, returns = make_vector_env("CartPole-v1", 2), RLRun(net=None), np.zeros(2)
        >>> _ = envs.reset(seed=0)
        >>> for _ in range(30):  # always push left: each pole falls within 30 steps
        ...     _ = step_and_record(envs, np.zeros(2, dtype=int), run, returns)
        >>> run.env_steps, len(run.episode_returns) >= 2, run.episode_returns[0] < 30
        (60, True, True)
    """
    next_obs, rewards, terminated, truncated, info = envs.step(actions)
    ended = terminated | truncated
    final_obs = next_obs.copy()  # where an episode ended, next_obs is already the next episode's start
    for i in np.flatnonzero(ended):
        final_obs[i] = info["final_obs"][i]
    run.env_steps += envs.num_envs
    episode_return += rewards
    for i in np.flatnonzero(ended):
        run.episode_steps.append(run.env_steps)
        run.episode_returns.append(float(episode_return[i]))
        episode_return[i] = 0.0
    return next_obs, rewards, terminated, ended, final_obs


def evaluate_and_record(
    run: RLRun,
    policy: Callable[[torch.Tensor], torch.Tensor],
    *,
    env_id: str,
    seeds: Sequence[int],
    device: torch.device | str | None,
    target_return: float | None,
) -> bool:
    """Score ``policy`` with ``evaluate_policy``, append the mean to ``run``'s learning curve, and say whether it
    reached ``target_return`` (then ``run.solved_at`` is set; ``None``: never solved, keep training).

    Example:
        >>> import torch
        >>> from dlkit.rl.evaluate import RLRun, evaluate_and_record
        >>> run = RLRun(net=None, env_steps=100)
        >>> left = lambda obs: torch.zeros(len(obs), dtype=torch.long)
        >>> evaluate_and_record(run, left, env_id="CartPole-v1", seeds=[0, 1], device=None, target_return=475)
        False
        >>> run.eval_steps, run.solved_at
        ([100], None)
    """
    returns_now = evaluate_policy(policy, env_id=env_id, seeds=seeds, device=device)
    run.eval_steps.append(run.env_steps)
    run.eval_returns.append(float(returns_now.mean()))
    if target_return is not None and returns_now.mean() >= target_return:
        run.solved_at = run.env_steps
        return True
    return False
