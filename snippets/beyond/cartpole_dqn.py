from dlkit.rl.dqn import train_dqn
from dlkit.rl.evaluate import evaluate_policy

# DQN: a 128-128 Q-network, a replay buffer of 50k transitions, a target network
# refreshed every 250 updates, epsilon falling from 1 to 0.05 over the first 10k steps;
# one update on 64 transitions every 4 steps.
dqn_run = train_dqn(env_id="CartPole-v1", total_steps=16_000, seed=0, eval_every=2000)
dqn_returns = evaluate_policy(lambda obs: dqn_run.net(obs).argmax(dim=1),
                              seeds=range(2000, 2020))
print(f"DQN after {dqn_run.env_steps} steps ({dqn_run.seconds:.1f} s): "
      f"test mean return {dqn_returns.mean():.1f}")
