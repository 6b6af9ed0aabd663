"""Networks as plain ``nn.Module`` classes, one architecture per file.

Tasks (``dlkit.tasks``) build their network from a primitive description, the class's import path and
its keyword arguments, so that a checkpoint alone can rebuild it.
"""

from __future__ import annotations

import importlib
from typing import Any

from torch import nn

__all__ = ["build_model", "model_path"]


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
