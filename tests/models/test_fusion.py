import pytest
import torch

from dlkit.models.fusion import EarlyFusion, LateFusion


@pytest.mark.parametrize("cls", [EarlyFusion, LateFusion])
def test_shapes_and_bad_inputs(cls):
    net = cls(split_dims=(6, 3), out_features=4, hidden_dims=(8,))
    assert net(torch.randn(5, 9)).shape == (5, 4)
    with pytest.raises(ValueError, match=r"Expected inputs of shape \(N, 9\)"):
        net(torch.randn(5, 8))
    with pytest.raises(ValueError, match="Expected two or more positive modality sizes"):
        cls(split_dims=(6,), out_features=4)


def test_late_fusion_branches_see_only_their_modality():
    net = LateFusion(split_dims=(3, 2), out_features=2)
    x = torch.randn(4, 5, requires_grad=True)
    net.branches[0](x[:, :3]).sum().backward()
    assert x.grad[:, 3:].abs().sum() == 0


def test_early_fusion_first_layer_reads_both_modalities():
    net = EarlyFusion(split_dims=(3, 2), out_features=2)
    x = torch.randn(4, 5, requires_grad=True)
    net(x).sum().backward()
    assert (x.grad.abs().sum(dim=0) > 0).all()
