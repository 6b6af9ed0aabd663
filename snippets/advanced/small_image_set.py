import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from dlkit.data import ArrayDataModule
from dlkit.models.efficientnet import MEAN, STD

# A small labelled image set: 320 handwritten digits enlarged
# to 48x48 RGB "photos", normalised as the weights expect.
digits = load_digits()
rng = np.random.default_rng(0)
keep = np.sort(
    np.concatenate(
        [
            rng.choice(np.flatnonzero(digits.target == c), 32, replace=False)
            for c in range(10)
        ]
    )
)
# (320, 1, 8, 8) in [0, 1]
pixels = torch.tensor(digits.images[keep, None] / 16, dtype=torch.float32)
# (320, 3, 48, 48)
images = F.interpolate(pixels, size=48, mode="bilinear").repeat(1, 3, 1, 1)
images = (images - MEAN[0]) / STD[0]
labels = digits.target[keep]

# 100 training images (10 per digit), 20 for validation, 200
# for the test: little data, as transfer learning assumes.
split = {"val_fraction": 20 / 320, "test_fraction": 200 / 320, "seed": 0}
small_set = ArrayDataModule(x=images, y=labels, batch_size=25, normalize=None, **split)
print(
    [len(s) for s in (small_set.train_set, small_set.val_set, small_set.test_set)],
    tuple(images.shape[1:]),
)
