import math

import pytest
import torch

from dlkit.models.simclr import SimCLRNet
from dlkit.tasks.contrastive import ContrastiveTask, augment_images, nt_xent_loss


def reference_nt_xent(z1, z2, tau):
    z = torch.cat([z1, z2]).double()
    n = len(z1)
    total = 0.0
    for i in range(2 * n):
        sims = [float(z[i] @ z[k] / (z[i].norm() * z[k].norm())) / tau for k in range(2 * n)]
        denominator = sum(math.exp(s) for k, s in enumerate(sims) if k != i)
        total += -(sims[(i + n) % (2 * n)] - math.log(denominator))
    return total / (2 * n)


@pytest.mark.parametrize("tau", [0.1, 0.5, 2.0])
def test_nt_xent_equals_the_formula(tau):
    torch.manual_seed(0)
    z1, z2 = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    assert math.isclose(nt_xent_loss(z1, z2, temperature=tau).item(), reference_nt_xent(z1, z2, tau), rel_tol=1e-9)


def test_nt_xent_is_low_when_views_agree_and_high_when_they_do_not():
    torch.manual_seed(0)
    z = torch.randn(32, 16)
    assert nt_xent_loss(z, z + 0.01 * torch.randn_like(z), temperature=0.1) < 0.1
    assert nt_xent_loss(z, torch.randn(32, 16), temperature=0.1) > math.log(2 * 32 - 1) - 1.5


def test_augment_keeps_shape_and_changes_the_images():
    torch.manual_seed(0)
    x = torch.rand(4, 1, 8, 8)
    out = augment_images(x)
    assert out.shape == x.shape and not torch.allclose(out, x)
    identity = augment_images(x, max_degrees=0.0, max_shift=0.0, scale=0.0, noise_std=0.0)
    torch.testing.assert_close(identity, x, atol=1e-5, rtol=1e-5)  # the identity warp resamples exactly


def test_task_trains_its_network_on_views_and_returns_the_representation():
    task = ContrastiveTask(model=SimCLRNet, model_kwargs={"in_features": 64, "rep_dim": 8, "proj_dim": 4})
    x = torch.rand(6, 64)
    views, targets = task.inputs_and_targets((x, torch.zeros(6)), "train", 0)
    assert views.shape == (12, 1, 8, 8) and len(targets) == 12
    loss = task.loss(task.network_outputs(views), targets)
    loss.backward()
    assert task.net.encoder.layers[0].weight.grad is not None
    assert task(x).shape == (6, 8)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="Expected a positive temperature"):
        nt_xent_loss(torch.zeros(2, 3), torch.zeros(2, 3), temperature=-1.0)
    with pytest.raises(ValueError, match=r"Expected z1 and z2 of the same shape \(N, dim\)"):
        nt_xent_loss(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"Expected image_shape \(C, H, W\)"):
        ContrastiveTask(model=SimCLRNet, model_kwargs={"in_features": 64}, image_shape=(8, 8))
