"""How good is a policy: its return over a fixed set of episode seeds, and where the agents run.

``evaluate_policy`` plays one episode per seed, all at once in a vector environment, and returns the
undiscounted return of each: with the same seeds, two policies (or two runs) are scored on the same episodes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch

from dlkit.training import default_accelerator

__all__ = ["evaluate_policy", "default_device", "check_positive_int", "one_thread"]


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
