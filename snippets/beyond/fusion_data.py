import numpy as np
from sklearn.datasets import load_digits

# Two modalities of the same 1,797 digits, each incomplete on its own:
# - an image, blurred by heavy sensor noise (pixels in [0, 1] plus noise of sd 0.6);
# - a short tabular description from another source: "0 or 1", "2 or 3", ...
#   (one-hot, 5 columns), wrong (a random pair) for 30% of the digits.
digits = load_digits()
rng = np.random.default_rng(0)
image = digits.data / 16 + rng.normal(0.0, 0.6, size=digits.data.shape)  # (1797, 64)
pair = digits.target // 2
pair = np.where(rng.random(len(pair)) < 0.3, rng.integers(0, 5, len(pair)), pair)
description = np.eye(5)[pair]  # (1797, 5)
both = np.hstack([image, description]).astype(np.float32)  # side by side: (1797, 69)
labels = digits.target
print(f"image {image.shape}, description {description.shape}, "
      f"description right for {np.mean(pair == digits.target // 2):.0%} of the digits")
