"""LightningModules that train dlkit's networks."""

from dlkit.tasks.base import SupervisedTask
from dlkit.tasks.classification import ClassificationTask
from dlkit.tasks.regression import RegressionTask

__all__ = ["ClassificationTask", "RegressionTask", "SupervisedTask"]
