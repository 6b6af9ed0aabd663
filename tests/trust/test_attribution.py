import pytest
import torch
from torch import nn

from dlkit.trust.attribution import deletion_auc, deletion_curve, randomized_copy, rank_correlation


def linear_model():
    model = nn.Linear(4, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[3.0, 2.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]))
    return model


def test_deleting_the_true_evidence_first_gives_the_lowest_area():
    model, x, target = linear_model(), torch.ones(1, 4), torch.tensor([0])
    best = deletion_auc(deletion_curve(model, x, torch.tensor([[3.0, 2.0, 1.0, 0.0]]), target, steps=4))
    worst = deletion_auc(deletion_curve(model, x, torch.tensor([[0.0, 1.0, 2.0, 3.0]]), target, steps=4))
    assert float(best) < float(worst)


def test_curve_ends_at_the_baseline_prediction_and_starts_at_the_input():
    model, x, target = linear_model(), torch.rand(3, 4), torch.tensor([0, 1, 0])
    curve = deletion_curve(model, x, torch.rand(3, 4), target, steps=3, baseline=0.5)
    with torch.no_grad():
        start = model(x).softmax(1).gather(1, target[:, None])[:, 0]
        end = model(torch.full_like(x, 0.5)).softmax(1).gather(1, target[:, None])[:, 0]
    torch.testing.assert_close(curve[:, 0], start)
    torch.testing.assert_close(curve[:, -1], end)
    assert curve.shape == (3, 4)


def test_bad_inputs_are_clear_errors():
    model, x, target = linear_model(), torch.rand(2, 4), torch.tensor([0, 1])
    with pytest.raises(ValueError, match=r"Expected attributions shaped like x \(2, 4\), but got \(2, 3\)"):
        deletion_curve(model, x, torch.rand(2, 3), target)
    with pytest.raises(ValueError, match=r"Expected one target class per input, shape \(2,\), but got \(3,\)"):
        deletion_curve(model, x, torch.rand(2, 4), torch.tensor([0, 1, 0]))
    with pytest.raises(ValueError, match="Expected steps to be a positive integer, but got 0"):
        deletion_curve(model, x, torch.rand(2, 4), target, steps=0)
    with pytest.raises(TypeError, match="Expected model to be an nn.Module, but got str"):
        deletion_curve("net", x, torch.rand(2, 4), target)
    with pytest.raises(ValueError, match=r"Expected curves of shape \(N, steps \+ 1\)"):
        deletion_auc(torch.rand(5))
    with pytest.raises(ValueError, match="Expected two"):
        rank_correlation(torch.rand(2, 4), torch.rand(2, 5))
    with pytest.raises(TypeError, match="Expected model to be an nn.Module"):
        randomized_copy(3)


def test_rank_correlation_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    torch.manual_seed(0)
    a, b = torch.rand(3, 10), torch.rand(3, 10)
    expected = torch.tensor([stats.spearmanr(a[i], b[i]).statistic for i in range(3)], dtype=torch.float32)
    torch.testing.assert_close(rank_correlation(a, b), expected)


def test_randomized_copy_resets_everything_and_leaves_the_original():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    with torch.no_grad():
        net[1].running_mean.fill_(5.0)
    before = net[0].weight.clone()
    fresh = randomized_copy(net, seed=0)
    assert torch.equal(net[0].weight, before) and float(net[1].running_mean[0]) == 5.0
    assert not torch.equal(fresh[0].weight, before) and float(fresh[1].running_mean[0]) == 0.0
    assert torch.equal(randomized_copy(net, seed=0)[0].weight, fresh[0].weight)
