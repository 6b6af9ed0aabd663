import pytest
import torch

from dlkit.rl.evaluate import evaluate_policy
from dlkit.rl.ppo import ActorCritic, ppo_loss, train_ppo


def test_actor_starts_near_uniform_and_critic_is_a_vector():
    net = ActorCritic(obs_dim=4, num_actions=3)
    logits, values = net(torch.randn(10, 4))
    assert logits.shape == (10, 3) and values.shape == (10,)
    assert logits.abs().max() < 0.5  # output gain 0.01: probabilities close to 1/3


def test_clipping_stops_the_gain_beyond_one_plus_epsilon():
    old = torch.log(torch.tensor([0.5]))  # pi(a=0) = 0.881 under logits (2, 0): ratio 1.76 > 1.2
    logits2 = torch.tensor([[2.0, 0.0], [2.0, 0.0]], requires_grad=True)
    terms = ppo_loss(logits2, torch.zeros(2), torch.tensor([0, 0]), old.repeat(2), torch.tensor([1.0, 3.0]),
                     torch.zeros(2), clip=0.2)
    (grad,) = torch.autograd.grad(terms["policy"], logits2)
    # the sample with positive normalised advantage is clipped (ratio 1.76 > 1.2): no gradient through it
    torch.testing.assert_close(grad[1], torch.zeros(2))
    assert terms["clip_fraction"].item() == 1.0
    assert grad[0].abs().sum() > 0  # negative advantage with ratio above 1: min picks the unclipped term


def test_value_and_entropy_terms_add_with_their_weights():
    logits = torch.randn(5, 2)
    actions = torch.tensor([0, 1, 0, 1, 1])
    old = torch.distributions.Categorical(logits=logits).log_prob(actions)
    values, returns = torch.zeros(5), torch.arange(5.0)
    terms = ppo_loss(logits, values, actions, old, torch.randn(5), returns, value_coef=0.5, entropy_coef=0.1)
    torch.testing.assert_close(terms["value"], returns.pow(2).mean())
    torch.testing.assert_close(terms["loss"], terms["policy"] + 0.5 * terms["value"] - 0.1 * terms["entropy"])


def test_short_run_records_its_curve_and_repeats_with_its_seed():
    a = train_ppo(total_steps=512, eval_every=256, seed=1)
    b = train_ppo(total_steps=512, eval_every=256, seed=1)
    assert a.env_steps == 512 and a.eval_steps == [256, 512] and a.solved_at is None
    assert a.eval_returns == b.eval_returns and len(a.episode_returns) == len(a.episode_steps) > 0
    assert sum(a.episode_returns) <= 512


def test_early_stop_when_the_target_is_reached():
    run = train_ppo(total_steps=2048, eval_every=256, target_return=1.0, seed=0)  # any episode earns >= 1
    assert run.solved_at == run.env_steps == 256


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match=r"Expected observations of shape \(N, 4\)"):
        ActorCritic(obs_dim=4, num_actions=2)(torch.zeros(4))
    with pytest.raises(ValueError, match="Expected num_actions to be a positive int"):
        ActorCritic(obs_dim=4, num_actions=0)
    with pytest.raises(ValueError, match=r"Expected clip in \(0, 1\)"):
        ppo_loss(torch.zeros(2, 2), torch.zeros(2), torch.zeros(2, dtype=torch.long), torch.zeros(2),
                 torch.zeros(2), torch.zeros(2), clip=1.5)
    with pytest.raises(ValueError, match="Expected logits"):
        ppo_loss(torch.zeros(2, 2), torch.zeros(3), torch.zeros(2, dtype=torch.long), torch.zeros(2),
                 torch.zeros(2), torch.zeros(2))
    with pytest.raises(ValueError, match="Expected minibatch_size to divide"):
        train_ppo(total_steps=1000, minibatch_size=100)
    with pytest.raises(ValueError, match="Expected a positive learning rate"):
        train_ppo(lr=0)


def test_evaluate_policy_scores_each_seed_once_and_repeats():
    right = lambda obs: torch.ones(len(obs), dtype=torch.long)  # noqa: E731
    first = evaluate_policy(right, seeds=[5, 6, 7, 5])
    assert first.shape == (4,) and first[0] == first[3]  # the same seed, the same episode
    with pytest.raises(ValueError, match="at least one seed"):
        evaluate_policy(right, seeds=[])
