import torch
from sklearn.datasets import load_digits

from dlkit.models.vit import ViT

digits = load_digits()
# (N=2, C=1, H=8, W=8)
images = torch.tensor(digits.images[:2], dtype=torch.float32).unsqueeze(1) / 16
patch_size = 4

# Cut each image into non-overlapping 4x4 patches and flatten each:
# (N, C, H, W) -> (N, C, 2, 2, p, p) -> (N, num_patches, C*p*p) = (N, 4, 16)
patches = images.unfold(2, patch_size, patch_size).unfold(3, patch_size, patch_size)
patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(2, -1, 1 * patch_size * patch_size)

vit = ViT(
    in_channels=1,
    num_classes=10,
    image_size=8,
    patch_size=patch_size,
    d_model=64,
    num_layers=2,
    num_heads=4,
)
# a Conv2d with kernel size = stride = patch size
embedding = vit.patch_embedding.projection
with torch.no_grad():
    # (N, 4, 64): one shared matrix
    tokens_by_hand = patches @ embedding.weight.reshape(64, -1).T + embedding.bias
    tokens = vit.patch_embedding(images)  # (N, 4, 64)
    with_class_token = (
        torch.cat([vit.class_token.expand(2, -1, -1), tokens], dim=1)
        + vit.position_embedding
    )
print(images.shape, patches.shape, tokens.shape, with_class_token.shape)
