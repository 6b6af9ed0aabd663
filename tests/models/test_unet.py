import pytest
import torch
import torch.nn.functional as F

from dlkit.models.unet import UNet


@pytest.mark.parametrize("channels", [(4, 8), (4, 8, 16), (4, 8, 16, 32)])
def test_output_keeps_the_input_size(channels):
    net = UNet(in_channels=3, num_classes=5, channels=channels)
    assert net(torch.randn(2, 3, 32, 24)).shape == (2, 5, 32, 24)


def test_bad_input_is_a_clear_error():
    net = UNet(in_channels=1, num_classes=2, channels=(4, 8, 16))
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 1, H, W\) with H and W divisible by 4"):
        net(torch.randn(2, 1, 30, 32))
    with pytest.raises(ValueError, match=r"but got \(2, 3, 32, 32\)"):
        net(torch.randn(2, 3, 32, 32))
    with pytest.raises(ValueError, match="Expected at least two positive channel widths"):
        UNet(channels=(8,))
    with pytest.raises(ValueError, match="Expected in_channels >= 1 and num_classes >= 1"):
        UNet(num_classes=0)


def test_learns_to_segment_bright_squares():
    torch.manual_seed(0)
    x = torch.rand(16, 1, 16, 16) * 0.3
    x[:, :, 4:10, 4:10] += 0.7
    y = (x[:, 0] > 0.5).long()
    net = UNet(in_channels=1, num_classes=2, channels=(4, 8))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(30):
        loss = F.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    with torch.no_grad():
        accuracy = (net(x).argmax(dim=1) == y).float().mean().item()
    assert accuracy > 0.95
