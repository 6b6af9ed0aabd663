r"""A small Vision Transformer (Dosovitskiy et al., 2021): an image as a sequence of patch tokens.

The image is cut into non-overlapping ``patch_size x patch_size`` patches; each patch is flattened and projected
linearly to a ``d_model``-dimensional token. A learned class token is put in front, a learned position embedding
is added, and dlkit's transformer blocks (``dlkit.models.transformer.TransformerEncoderBlock``: pre-norm
multi-head self-attention and a GELU MLP, each with a residual connection, as in the ViT paper) mix the tokens.
The class token's final state is classified.

Read top to bottom: the patch embedding, then the network.
"""

from __future__ import annotations

import torch
from torch import nn

from dlkit.models.checks import check_images
from dlkit.models.transformer import TransformerEncoder

__all__ = ["ViT", "ViTPatchEmbedding"]


class ViTPatchEmbedding(nn.Module):
    """Cut images into patches and project each to a token: ``(N, C, H, W) -> (N, (H/p)*(W/p), d_model)``.

    A convolution with kernel size and stride ``p`` computes exactly "flatten each patch, multiply by one shared
    matrix": every output position sees one patch, and the weights are shared by all patches.

    Example:
        >>> import torch
        >>> from dlkit.models.vit import ViTPatchEmbedding
        >>> embed = ViTPatchEmbedding(in_channels=1, patch_size=2, d_model=32)
        >>> embed(torch.zeros(5, 1, 8, 8)).shape  # 4 x 4 = 16 patches of 2 x 2 pixels
        torch.Size([5, 16, 32])
    """

    def __init__(self, *, in_channels: int, patch_size: int, d_model: int) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.projection = nn.Conv2d(in_channels, d_model, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.projection(x)  # (N, d_model, H/p, W/p)
        return x.flatten(2).transpose(1, 2)  # (N, d_model, H/p * W/p) -> (N, num_patches, d_model)


class ViT(nn.Module):
    """Patch embedding, class token, position embedding, ``num_layers`` transformer blocks, layer norm, linear head.

    Args:
        in_channels: channels of the input images (1 for greyscale).
        num_classes: number of output logits.
        image_size: height and width of the (square) input images; divisible by ``patch_size``.
        patch_size: height and width of each patch.
        d_model: width of every token.
        num_layers: number of transformer blocks.
        num_heads: attention heads per block; must divide ``d_model``.
        d_ff: hidden width of each block's MLP (default ``4 * d_model``, as in the ViT paper).
        dropout: dropout inside the blocks and after the embeddings.

    Example:
        >>> import torch
        >>> from dlkit.models.vit import ViT
        >>> net = ViT(in_channels=1, num_classes=10, image_size=8, patch_size=2, d_model=32, num_layers=2, num_heads=4)
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
        d_model: int = 64,
        num_layers: int = 2,
        num_heads: int = 4,
        d_ff: int | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if patch_size < 1 or image_size % patch_size != 0:
            raise ValueError(f"Expected image_size divisible by patch_size, but got {image_size} and {patch_size}")
        self.in_channels, self.image_size = in_channels, image_size
        self.num_patches = (image_size // patch_size) ** 2
        self.patch_embedding = ViTPatchEmbedding(in_channels=in_channels, patch_size=patch_size, d_model=d_model)
        self.class_token = nn.Parameter(torch.zeros(1, 1, d_model))
        self.position_embedding = nn.Parameter(torch.randn(1, self.num_patches + 1, d_model) * 0.02)
        self.dropout = nn.Dropout(dropout)
        self.transformer = TransformerEncoder(  # blocks, then the final LayerNorm
            d_model=d_model, num_heads=num_heads, num_layers=num_layers, d_ff=d_ff, dropout=dropout
        )
        self.head = nn.Linear(d_model, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.in_channels, self.image_size)
        tokens = self.patch_embedding(x)  # (N, P, d_model)
        class_token = self.class_token.expand(x.shape[0], -1, -1)  # (N, 1, d_model); not len(x): export keeps N dynamic
        tokens = torch.cat([class_token, tokens], dim=1) + self.position_embedding  # (N, P + 1, d_model)
        tokens = self.transformer(self.dropout(tokens))  # (N, P + 1, d_model)
        return self.head(tokens[:, 0])  # class token -> (N, num_classes)
