import struct
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from dlkit.data.vision import MNISTDataModule


def write_idx(path: Path, array: np.ndarray) -> None:
    """MNIST's idx format: 0, 0, type 0x08 (unsigned bytes), rank; each dimension as a
    big-endian int32; the bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    path.write_bytes(header + array.astype(np.uint8).tobytes())


# scikit-learn's 8x8 digits (0-16), enlarged to MNIST's
# 28x28 bytes (0-255): 1,500 "training", 297 "test" images
digits = load_digits()
images = F.interpolate(
    torch.tensor(digits.images[:, None], dtype=torch.float32), size=28, mode="bilinear"
)
images = (images[:, 0] / 16 * 255).clamp(0, 255).round().numpy()  # (1797, 28, 28)

root = Path(tempfile.mkdtemp())
# where torchvision.datasets.MNIST(root, download=True) puts the real files
raw = root / "MNIST" / "raw"
raw.mkdir(parents=True)
write_idx(raw / "train-images-idx3-ubyte", images[:1500])
write_idx(raw / "train-labels-idx1-ubyte", digits.target[:1500])
write_idx(raw / "t10k-images-idx3-ubyte", images[1500:])
write_idx(raw / "t10k-labels-idx1-ubyte", digits.target[1500:])

mnist = MNISTDataModule(root=root, batch_size=64, val_fraction=0.1, seed=0)
x, y = next(iter(mnist.train_dataloader()))
print(
    [len(split) for split in (mnist.train_set, mnist.val_set, mnist.test_set)],
    tuple(x.shape),
)
