import torch
from sklearn.datasets import load_digits
from torch import nn

digits = load_digits()
# (N=1, C=1, H=8, W=8)
image = torch.tensor(digits.images[0], dtype=torch.float32).reshape(1, 1, 8, 8) / 16

torch.manual_seed(0)
conv = nn.Conv2d(in_channels=1, out_channels=4, kernel_size=3, stride=1, padding=1)


def conv2d_loops(x, weight, bias, stride=1, padding=1):
    """Slide every filter over the zero-padded image; each output pixel is a weighted
    sum of one window."""
    # zeros around the border
    x = nn.functional.pad(x, (padding, padding, padding, padding))
    n, _, h, w = x.shape
    out_channels, _, k, _ = weight.shape
    out_h, out_w = (h - k) // stride + 1, (w - k) // stride + 1
    out = torch.zeros(n, out_channels, out_h, out_w)
    for o in range(out_channels):
        for i in range(out_h):
            for j in range(out_w):
                # (N, C, k, k)
                window = x[
                    :, :, i * stride : i * stride + k, j * stride : j * stride + k
                ]
                out[:, o, i, j] = (window * weight[o]).sum(dim=(1, 2, 3)) + bias[o]
    return out


def conv2d_unfold(x, weight, bias, stride=1, padding=1):
    """The same as one matrix product: unfold cuts out every window as a column
    (im2col)."""
    n, _, h, w = x.shape
    out_channels, _, k, _ = weight.shape
    # (N, C*k*k, L windows)
    columns = nn.functional.unfold(x, kernel_size=k, stride=stride, padding=padding)
    # (N, out_channels, L)
    out = weight.reshape(out_channels, -1) @ columns + bias.reshape(1, -1, 1)
    out_h, out_w = (
        (h + 2 * padding - k) // stride + 1,
        (w + 2 * padding - k) // stride + 1,
    )
    # (N, out_channels, L) -> (N, out_channels, H', W')
    return out.reshape(n, out_channels, out_h, out_w)


with torch.no_grad():
    by_torch = conv(image)
    by_loops = conv2d_loops(image, conv.weight, conv.bias)
    by_unfold = conv2d_unfold(image, conv.weight, conv.bias)
print(by_torch.shape, by_loops.shape, by_unfold.shape)
