r"""A small Vision Transformer (Dosovitskiy et al., 2021): an image as a sequence of patch tokens.

The image is cut into non-overlapping ``patch_size x patch_size`` patches; each patch is flattened and projected
linearly to a ``dim``-dimensional token. A learned class token is put in front, a learned position embedding is
added, and pre-norm Transformer encoder blocks (``nn.TransformerEncoderLayer``: multi-head self-attention and an
MLP, each with a residual connection) mix the tokens. The class token's final state is classified.

Read top to bottom: the patch embedding, then the network.
"""

from __future__ import annotations

import torch
from torch import nn

from dlkit.models.checks import check_images

__all__ = ["ViT", "ViTPatchEmbedding"]


class ViTPatchEmbedding(nn.Module):
    """Cut images into patches and project each to a token: ``(N, C, H, W) -> (N, (H/p)*(W/p), dim)``.

    A convolution with kernel size and stride ``p`` computes exactly "flatten each patch, multiply by one shared
    matrix": every output position sees one patch, and the weights are shared by all patches.

    Example:
        >>> import torch
        >>> from dlkit.models.vit import ViTPatchEmbedding
        >>> embed = ViTPatchEmbedding(in_channels=1, patch_size=2, dim=32)
        >>> embed(torch.zeros(5, 1, 8, 8)).shape  # 4 x 4 = 16 patches of 2 x 2 pixels
        torch.Size([5, 16, 32])
    """

    def __init__(self, *, in_channels: int, patch_size: int, dim: int) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.projection = nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.projection(x)  # (N, dim, H/p, W/p)
        return x.flatten(2).transpose(1, 2)  # (N, dim, H/p * W/p) -> (N, num_patches, dim)


class ViT(nn.Module):
    """Patch embedding, class token, position embedding, ``depth`` encoder blocks, layer norm, linear head.

    Args:
        in_channels: channels of the input images (1 for greyscale).
        num_classes: number of output logits.
        image_size: height and width of the (square) input images; divisible by ``patch_size``.
        patch_size: height and width of each patch.
        dim: width of every token.
        depth: number of Transformer encoder blocks.
        num_heads: attention heads per block; must divide ``dim``.
        mlp_dim: hidden width of each block's MLP.
        dropout: dropout inside the blocks and after the embeddings.

    Example:
        >>> import torch
        >>> from dlkit.models.vit import ViT
        >>> net = ViT(in_channels=1, num_classes=10, image_size=8, patch_size=2, dim=32, depth=2, num_heads=4)
        >>> net(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
        >>> net.num_patches, net.position_embedding.shape  # 16 patch tokens + 1 class token
        (16, torch.Size([1, 17, 32]))
    """

    def __init__(
        self,
        *,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int = 8,
        patch_size: int = 4,
        dim: int = 64,
        depth: int = 2,
        num_heads: int = 4,
        mlp_dim: int = 128,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if patch_size < 1 or image_size % patch_size != 0:
            raise ValueError(f"Expected image_size divisible by patch_size, but got {image_size} and {patch_size}")
        if num_heads < 1 or dim % num_heads != 0:
            raise ValueError(f"Expected dim divisible by num_heads, but got {dim} and {num_heads}")
        if depth < 1:
            raise ValueError(f"Expected at least one encoder block, but got depth={depth}")
        self.in_channels, self.image_size = in_channels, image_size
        self.num_patches = (image_size // patch_size) ** 2
        self.patch_embedding = ViTPatchEmbedding(in_channels=in_channels, patch_size=patch_size, dim=dim)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.position_embedding = nn.Parameter(torch.randn(1, self.num_patches + 1, dim) * 0.02)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(
                d_model=dim, nhead=num_heads, dim_feedforward=mlp_dim, dropout=dropout,
                activation="gelu", batch_first=True, norm_first=True,
            )
            for _ in range(depth)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.in_channels, self.image_size)
        tokens = self.patch_embedding(x)  # (N, P, dim)
        class_token = self.class_token.expand(len(x), -1, -1)  # (N, 1, dim)
        tokens = torch.cat([class_token, tokens], dim=1) + self.position_embedding  # (N, P + 1, dim)
        tokens = self.dropout(tokens)
        for block in self.blocks:
            tokens = block(tokens)  # (N, P + 1, dim)
        return self.head(self.norm(tokens[:, 0]))  # class token -> (N, num_classes)
