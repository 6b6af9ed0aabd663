"""dlkit: the library behind a deep-learning knowledge base whose every example runs.

``import dlkit`` imports nothing but this module: import the part you need,
for example ``from dlkit.models.mlp import MLP`` or ``from dlkit.data import DigitsDataModule``.
"""

__version__ = "0.1.0"
