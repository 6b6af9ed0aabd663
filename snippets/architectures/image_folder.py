import tempfile
from pathlib import Path

from PIL import Image
from sklearn.datasets import load_digits

from dlkit.data.vision import ImageFolderDataModule

# One folder per class, any image files inside:
# here 30 digits of each class saved as PNGs.
digits = load_digits()
root = Path(tempfile.mkdtemp())
for label in range(10):
    folder = root / f"digit-{label}"
    folder.mkdir()
    for i, image in enumerate(digits.images[digits.target == label][:30]):
        Image.fromarray((image * 255 / 16).astype("uint8")).save(
            folder / f"{i:03d}.png"
        )

folders = ImageFolderDataModule(
    root=root, image_size=32, batch_size=32, val_fraction=0.2, test_fraction=0.2, seed=0
)
x, y = next(iter(folders.train_dataloader()))
print(
    folders.classes[:3],
    [len(split) for split in (folders.train_set, folders.val_set, folders.test_set)],
    tuple(x.shape),
)
