"""Networks as plain ``nn.Module`` classes, one architecture per file, all importable from here
(``from dlkit.models import CNN``); their arguments follow the vocabulary in the README.

Tasks (``dlkit.tasks``) build their network from a primitive description, the class's import path and
its keyword arguments, so that a checkpoint alone can rebuild it.
"""

from __future__ import annotations

import importlib
from typing import Any

from torch import nn

from dlkit.models.attention import AdditiveAttention, MultiHeadAttention
from dlkit.models.autoencoder import Autoencoder
from dlkit.models.bert import BERT, BERTClassifier, BERTEncoder
from dlkit.models.centernet import CenterNet
from dlkit.models.cnn import CNN
from dlkit.models.densenet import DenseNet
from dlkit.models.efficientnet import EfficientNetLite0
from dlkit.models.gan import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from dlkit.models.gpt import GPT
from dlkit.models.inception import Inception
from dlkit.models.lenet import LeNet
from dlkit.models.mlp import MLP
from dlkit.models.resnet import ResNet
from dlkit.models.rnn import RecurrentNetwork, RecurrentTextClassifier
from dlkit.models.transformer import Seq2SeqTransformer, TransformerDecoderBlock, TransformerEncoder, TransformerEncoderBlock
from dlkit.models.unet import UNet
from dlkit.models.vae import VAE
from dlkit.models.vgg import VGG
from dlkit.models.vit import ViT

__all__ = [
    "build_model",
    "model_path",
    # feed-forward and convolutional networks
    "MLP",
    "CNN",
    "LeNet",
    "VGG",
    "ResNet",
    "DenseNet",
    "Inception",
    "EfficientNetLite0",
    # detection and segmentation
    "CenterNet",
    "UNet",
    # recurrent networks
    "RecurrentNetwork",
    "RecurrentTextClassifier",
    # attention and transformers
    "AdditiveAttention",
    "MultiHeadAttention",
    "TransformerEncoderBlock",
    "TransformerDecoderBlock",
    "TransformerEncoder",
    "Seq2SeqTransformer",
    "GPT",
    "BERTEncoder",
    "BERT",
    "BERTClassifier",
    "ViT",
    # generative networks
    "Autoencoder",
    "VAE",
    "MLPGenerator",
    "MLPDiscriminator",
    "DCGANGenerator",
    "DCGANDiscriminator",
]


def model_path(model: str | type[nn.Module]) -> str:
    """Return the import path ``"package.module.Class"`` of a network class.

    Args:
        model: an ``nn.Module`` subclass, or its import path already.

    Example:
        >>> from dlkit.models import model_path
        >>> from dlkit.models.mlp import MLP
        >>> model_path(MLP)
        'dlkit.models.mlp.MLP'
    """
    if isinstance(model, str):
        return model
    if isinstance(model, type) and issubclass(model, nn.Module):
        return f"{model.__module__}.{model.__qualname__}"
    raise TypeError(f"Expected an nn.Module subclass or its import path as a string, but got {model!r}")


def build_model(model: str | type[nn.Module], model_kwargs: dict[str, Any] | None = None) -> nn.Module:
    """Build a network from its class (or import path) and keyword arguments.

    Args:
        model: an ``nn.Module`` subclass or its import path, e.g. ``"dlkit.models.cnn.CNN"``.
        model_kwargs: keyword arguments for the class's constructor.

    Raises:
        ValueError: if the path does not name an importable ``nn.Module`` subclass.

    Example:
        >>> from dlkit.models import build_model
        >>> net = build_model("dlkit.models.mlp.MLP", {"in_features": 64, "out_features": 10})
        >>> type(net).__name__
        'MLP'
    """
    path = model_path(model)
    module_name, _, class_name = path.rpartition(".")
    if not module_name:
        raise ValueError(f"Expected an import path like 'dlkit.models.cnn.CNN', but got {path!r}")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"Expected an importable nn.Module class at {path!r}, but the import failed: {err}") from err
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise ValueError(f"Expected {path!r} to be an nn.Module subclass, but got {cls!r}")
    return cls(**(model_kwargs or {}))
