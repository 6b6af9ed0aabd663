"""LightningModules that train dlkit's networks: one loop (``SupervisedTask``) and the tasks built on it.

Write a new task as a subclass of ``SupervisedTask`` that overrides its hooks (README, "Writing a task").
"""

from dlkit.tasks.autoencoder import AutoencoderTask
from dlkit.tasks.base import SupervisedTask, Task
from dlkit.tasks.classification import ClassificationTask
from dlkit.tasks.contrastive import ContrastiveTask
from dlkit.tasks.distillation import DistillationTask
from dlkit.tasks.gan import GANTask
from dlkit.tasks.language_model import CausalLMTask, MaskedLMTask
from dlkit.tasks.regression import RegressionTask
from dlkit.tasks.seq2seq import Seq2SeqTask
from dlkit.tasks.vae import VAETask

__all__ = [
    "AutoencoderTask",
    "CausalLMTask",
    "ClassificationTask",
    "ContrastiveTask",
    "DistillationTask",
    "GANTask",
    "MaskedLMTask",
    "RegressionTask",
    "Seq2SeqTask",
    "SupervisedTask",
    "Task",
    "VAETask",
]
