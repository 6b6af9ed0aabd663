import torch

from dlkit.rl.evaluate import evaluate_policy
from dlkit.rl.ppo import train_ppo

# PPO with RL Zoo's CartPole settings: at most 100k environment steps. Every 4,096 steps
# the greedy policy plays 20 validation episodes (seeds 1000-1019); training stops once
# all 20 reach the maximum, 500.
run = train_ppo(env_id="CartPole-v1", total_steps=100_000, seed=0, eval_every=4096,
                eval_seeds=tuple(range(1000, 1020)), target_return=500)


def greedy(obs: torch.Tensor) -> torch.Tensor:
    return run.net.act(obs, deterministic=True)


# The claim is checked on 20 other episodes (seeds 2000-2019), not used for stopping.
test_returns = evaluate_policy(greedy, env_id="CartPole-v1", seeds=range(2000, 2020))
print(f"stopped after {run.env_steps} environment steps in {run.seconds:.1f} s")
print(f"test: mean return {test_returns.mean():.1f} over 20 episodes "
      f"(min {test_returns.min():.0f})")
