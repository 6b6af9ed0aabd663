"""Data modules: in-memory arrays and the datasets that ship with scikit-learn."""

from dlkit.data.arrays import ArrayDataModule
from dlkit.data.toy import DATASETS, DigitsDataModule, ToyDataModule, load_toy_dataset

__all__ = ["ArrayDataModule", "DATASETS", "DigitsDataModule", "ToyDataModule", "load_toy_dataset"]
