"""The README's vocabulary holds: no public dlkit signature uses a retired name for an idea that has one name."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import dlkit

# retired name -> the vocabulary's name for it (README, "Vocabulary")
RETIRED = {
    "max_length": "max_len",
    "context_len": "max_len",
    "seq_len": "max_len",
    "length": "max_len",
    "dim": "d_model",
    "mlp_dim": "d_ff",
    "depth": "num_layers",
    "hidden_size": "hidden_dim",
    "input_size": "in_features",
    "channels_in": "in_channels",
}
# PyTorch's names, kept where a class mirrors nn.RNNCell for the pages that prove them equal (README)
EXCEPTIONS = {"dlkit.models.rnn.ScratchRNNCell", "dlkit.models.rnn.ScratchLSTMCell", "dlkit.models.rnn.ScratchGRUCell"}


def public_callables():
    for package in ("dlkit.models", "dlkit.data"):
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__, prefix=f"{package}."):
            module = importlib.import_module(info.name)
            for name in getattr(module, "__all__", []):
                obj = getattr(module, name)
                if callable(obj) and getattr(obj, "__module__", None) == module.__name__:
                    yield f"{module.__name__}.{name}", obj


def test_every_public_signature_uses_the_vocabulary():
    checked, offenders = 0, {}
    for path, obj in public_callables():
        if path in EXCEPTIONS:
            continue
        try:
            parameters = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj).parameters
        except (TypeError, ValueError):  # a builtin without a signature
            continue
        checked += 1
        retired = {name: RETIRED[name] for name in parameters if name in RETIRED}
        if retired:
            offenders[path] = retired
    assert checked > 60 and dlkit.__version__
    assert not offenders, f"retired names (use the README's vocabulary instead): {offenders}"

