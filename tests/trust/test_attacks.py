import pytest
import torch
from torch import nn

from dlkit.data import DigitsDataModule
from dlkit.models.cnn import CNN
from dlkit.trust.attacks import AdversarialClassificationTask, accuracy_under_attack, fgsm, pgd
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def small_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3)).eval()


def batch():
    torch.manual_seed(1)
    return torch.rand(6, 1, 4, 4), torch.tensor([0, 1, 2, 0, 1, 2])


@pytest.mark.parametrize("eps", [0.05, 0.2])
def test_attacks_stay_in_the_ball_and_the_range(eps):
    model, (x, y) = small_model(), batch()
    for x_adv in (fgsm(model, x, y, eps=eps), pgd(model, x, y, eps=eps, alpha=eps / 4, steps=5)):
        assert x_adv.shape == x.shape and not x_adv.requires_grad
        assert float((x_adv - x).abs().max()) <= eps * (1 + 1e-6)
        assert 0 <= float(x_adv.min()) and float(x_adv.max()) <= 1


def test_attacks_raise_the_loss_and_leave_parameters_alone():
    model, (x, y) = small_model(), batch()
    loss = nn.functional.cross_entropy
    with torch.no_grad():
        clean = loss(model(x), y)
        assert loss(model(fgsm(model, x, y, eps=0.1)), y) > clean
        assert loss(model(pgd(model, x, y, eps=0.1, alpha=0.02, steps=10)), y) > clean
    assert all(p.grad is None for p in model.parameters())


def test_eps_zero_changes_nothing():
    model, (x, y) = small_model(), batch()
    assert torch.equal(fgsm(model, x, y, eps=0.0), x)


def test_pgd_random_start_follows_the_global_seed():
    model, (x, y) = small_model(), batch()
    torch.manual_seed(3)
    a = pgd(model, x, y, eps=0.1, alpha=0.02, steps=3)
    torch.manual_seed(3)
    assert torch.equal(a, pgd(model, x, y, eps=0.1, alpha=0.02, steps=3))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"eps": -0.1}, ValueError, r"Expected eps >= 0, but got -0.1"),
        ({"eps": 0.1, "low": 1.0, "high": 0.0}, ValueError, r"Expected low < high"),
        ({"eps": 0.1, "high": 0.5}, ValueError, r"Expected inputs inside \[low, high\] = \[0.0, 0.5\]"),
    ],
)
def test_bad_options_are_clear_errors(kwargs, error, match):
    model, (x, y) = small_model(), batch()
    with pytest.raises(error, match=match):
        fgsm(model, x, y, **kwargs)


def test_bad_inputs_are_clear_errors():
    model, (x, y) = small_model(), batch()
    with pytest.raises(TypeError, match="Expected model to be an nn.Module, but got function"):
        fgsm(lambda t: t, x, y, eps=0.1)
    with pytest.raises(TypeError, match="Expected x to be a floating-point tensor, but got torch.int64"):
        fgsm(model, x.long(), y, eps=0.1)
    with pytest.raises(TypeError, match=r"Expected y to be integer class ids of shape \(N,\)"):
        fgsm(model, x, y.float(), eps=0.1)
    with pytest.raises(ValueError, match="Expected as many labels as inputs, but got 6 inputs and 5 labels"):
        fgsm(model, x, y[:5], eps=0.1)
    with pytest.raises(ValueError, match="Expected steps to be a positive integer, but got 0"):
        pgd(model, x, y, eps=0.1, alpha=0.1, steps=0)
    with pytest.raises(ValueError, match="Expected a positive step size alpha, but got 0"):
        pgd(model, x, y, eps=0.1, alpha=0, steps=2)


def test_accuracy_under_attack_batches_give_the_same_answer():
    model, (x, y) = small_model(), batch()
    torch.manual_seed(0)
    whole = accuracy_under_attack(model, x, y, attack="fgsm", eps=0.1)
    assert accuracy_under_attack(model, x, y, attack="fgsm", eps=0.1, batch_size=4) == pytest.approx(whole)


def test_adversarial_task_options_are_checked():
    common = {"model": "dlkit.models.mlp.MLP", "model_kwargs": {"in_features": 4, "out_features": 3}, "num_classes": 3}
    with pytest.raises(ValueError, match=r"Expected attack to be one of \['fgsm', 'pgd'\], but got 'cw'"):
        AdversarialClassificationTask(attack="cw", eps=0.1, **common)
    with pytest.raises(ValueError, match="Expected eps > 0, but got 0"):
        AdversarialClassificationTask(eps=0, **common)
    with pytest.raises(ValueError, match=r"Expected adversarial_weight in \[0, 1\], but got 1.5"):
        AdversarialClassificationTask(eps=0.1, adversarial_weight=1.5, **common)


def test_adversarial_task_leaves_batch_norm_statistics_to_the_clean_batch(tmp_path):
    dm = DigitsDataModule(as_images=True)
    task = AdversarialClassificationTask(
        model=CNN, model_kwargs={"channels": (8, 16)}, num_classes=10, attack="pgd", eps=0.1,
        attack_kwargs={"alpha": 0.05, "steps": 2, "low": -10.0, "high": 10.0},
    )
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "adv.ckpt")
