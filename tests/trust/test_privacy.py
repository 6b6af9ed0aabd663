import math

import pytest
import torch
from torch import nn

from dlkit.trust.privacy import membership_inference, per_example_loss, train_dp_classifier


def data():
    torch.manual_seed(0)
    return torch.randn(120, 4), torch.randint(0, 2, (120,))


def test_noise_free_run_reports_infinite_epsilon_and_changes_weights():
    x, y = data()
    model = nn.Linear(4, 2)
    before = model.weight.detach().clone()
    result = train_dp_classifier(model, x, y, epochs=1, batch_size=30, lr=0.5, noise_multiplier=0.0)
    assert math.isinf(result.epsilon) and result.noise_multiplier == 0.0
    assert result.model is model and not model.training
    assert not torch.equal(model.weight, before)
    assert all(not hasattr(p, "grad_sample") for p in model.parameters())


def test_more_noise_spends_less_budget():
    x, y = data()
    eps = [train_dp_classifier(nn.Linear(4, 2), x, y, epochs=2, batch_size=30, lr=0.1, noise_multiplier=s,
                               delta=1e-3).epsilon for s in (0.8, 2.0)]
    assert eps[0] > eps[1] > 0


def test_same_seed_same_model():
    x, y = data()
    torch.manual_seed(0)
    first = nn.Linear(4, 2)
    torch.manual_seed(0)
    second = nn.Linear(4, 2)
    a = train_dp_classifier(first, x, y, epochs=1, batch_size=30, lr=0.1, noise_multiplier=1.0, seed=3)
    b = train_dp_classifier(second, x, y, epochs=1, batch_size=30, lr=0.1, noise_multiplier=1.0, seed=3)
    assert a.epsilon == b.epsilon
    torch.testing.assert_close(first.weight, second.weight)


def test_bad_options_are_clear_errors():
    x, y = data()
    kwargs = {"epochs": 1, "batch_size": 30, "lr": 0.1}
    with pytest.raises(ValueError, match="Expected exactly one of noise_multiplier and target_epsilon"):
        train_dp_classifier(nn.Linear(4, 2), x, y, **kwargs)
    with pytest.raises(ValueError, match="Expected exactly one of noise_multiplier and target_epsilon"):
        train_dp_classifier(nn.Linear(4, 2), x, y, noise_multiplier=1.0, target_epsilon=1.0, **kwargs)
    with pytest.raises(ValueError, match="Expected noise_multiplier >= 0, but got -1"):
        train_dp_classifier(nn.Linear(4, 2), x, y, noise_multiplier=-1, **kwargs)
    with pytest.raises(ValueError, match="Expected target_epsilon > 0, but got 0"):
        train_dp_classifier(nn.Linear(4, 2), x, y, target_epsilon=0, **kwargs)
    with pytest.raises(ValueError, match=r"Expected delta in \(0, 1\), but got 2"):
        train_dp_classifier(nn.Linear(4, 2), x, y, noise_multiplier=1.0, delta=2, **kwargs)
    with pytest.raises(ValueError, match="Expected a model without batch norm"):
        train_dp_classifier(nn.Sequential(nn.Linear(4, 2), nn.BatchNorm1d(2)), x, y, noise_multiplier=1.0, **kwargs)
    with pytest.raises(TypeError, match="Expected model to be an nn.Module, but got str"):
        train_dp_classifier("mlp", x, y, noise_multiplier=1.0, **kwargs)
    with pytest.raises(TypeError, match="Expected x to be a floating-point tensor, but got torch.int64"):
        train_dp_classifier(nn.Linear(4, 2), x.long(), y, noise_multiplier=1.0, **kwargs)
    with pytest.raises(ValueError, match=r"Expected y to be int64 class ids of shape \(120,\)"):
        train_dp_classifier(nn.Linear(4, 2), x, y[:10], noise_multiplier=1.0, **kwargs)


def test_membership_inference_matches_a_hand_count():
    model = nn.Identity()
    members = (torch.tensor([[0.0, 3.0], [0.0, 1.0]]), torch.tensor([1, 1]))
    others = (torch.tensor([[0.0, 2.0], [2.0, 0.0]]), torch.tensor([1, 1]))
    # member scores rank 1st and 3rd of 4: 3 of the 4 (member, non-member) pairs are ordered right
    assert membership_inference(model, members, others)["auc"] == pytest.approx(0.75)
    with pytest.raises(TypeError, match=r"Expected members and non_members as \(x, y\) tuples"):
        membership_inference(model, members[0], others)
    torch.testing.assert_close(per_example_loss(model, *members), nn.functional.cross_entropy(
        members[0], members[1], reduction="none"))
