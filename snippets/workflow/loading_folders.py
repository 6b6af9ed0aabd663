import tempfile
from importlib.resources import files
from pathlib import Path

from PIL import Image
from sklearn.datasets import load_files

from dlkit.data.text import load_tweets
from dlkit.data.vision import ImageFolderDataModule

root = Path(tempfile.mkdtemp())

# Text: the IMDB layout, one folder per class, one .txt file per review (here: tweets).
texts, labels = load_tweets(("negative", "positive"))
for label in ("negative", "positive"):
    (root / "text" / label).mkdir(parents=True)
    chosen = [text for text, y in zip(texts, labels) if y == label][:40]
    for i, text in enumerate(chosen):
        (root / "text" / label / f"{i}.txt").write_text(text, encoding="utf-8")
# scikit-learn's folder-of-text-files loader
reviews = load_files(root / "text", encoding="utf-8")
print(f"text folder: {len(reviews.data)} files, classes {reviews.target_names}")

# Images: one folder per class, any size and format. The five photos that ship with
# ISLP, each cut into
# four tiles so that every class has enough images to split.
photos = files("ISLP") / "data" / "book_images"
classes = {"bird": ["flamingo.jpg", "hawk_cropped.jpeg", "weaver.jpg"],
           "pet": ["huey.jpg", "kitty.jpg"]}
for label, names in classes.items():
    (root / "images" / label).mkdir(parents=True)
    for name in names:
        with Image.open(photos / name) as photo:
            # JPEG: decode at a reduced size, fast
            photo.draft("RGB", (256, 256))
            photo = photo.convert("RGB").resize((128, 128))
        for i, (left, top) in enumerate([(0, 0), (64, 0), (0, 64), (64, 64)]):
            tile = photo.crop((left, top, left + 64, top + 64))
            tile.save(root / "images" / label / f"{name}-{i}.png")
images = ImageFolderDataModule(
    root=root / "images",
    image_size=32,
    batch_size=4,
    val_fraction=0.25,
    test_fraction=0.25,
)
x, y = next(iter(images.train_dataloader()))
split_sizes = [len(s) for s in (images.train_set, images.val_set, images.test_set)]
print(f"image folder: classes {images.classes}, "
      f"splits {split_sizes}, "
      f"batch {tuple(x.shape)}")
