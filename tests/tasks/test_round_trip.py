"""Every task rebuilds from its checkpoint alone: ``TaskClass.load_from_checkpoint(path)``, nothing else passed.

Each task is built with non-default task options, trained for one step (and validated on one batch) so its
weights moved, saved, and loaded back: same class, same hyperparameters, same weights, same outputs.
"""

from __future__ import annotations

import inspect

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from dlkit.tasks import (
    AutoencoderTask,
    CausalLMTask,
    ClassificationTask,
    ContrastiveTask,
    DistillationTask,
    GANTask,
    MaskedLMTask,
    RegressionTask,
    Seq2SeqTask,
    SupervisedTask,
    Task,
    VAETask,
)
from dlkit.training import make_trainer

VOCAB, LENGTH = 12, 8
LM = {"vocab_size": VOCAB, "max_len": LENGTH, "d_model": 16, "num_heads": 2, "num_layers": 1}


def tokens(n: int, length: int = LENGTH, low: int = 0) -> torch.Tensor:
    return torch.randint(low, VOCAB, (n, length))


def seq2seq_targets(n: int) -> torch.Tensor:
    body = torch.randint(3, VOCAB, (n, 5))
    bos, eos = torch.full((n, 1), 1), torch.full((n, 1), 2)
    return torch.cat([bos, body, eos], dim=1)  # <bos> y_1 .. y_5 <eos>


def images(n: int) -> torch.Tensor:
    return torch.rand(n, 1, 8, 8) * 2 - 1  # in [-1, 1], as a GAN's generator outputs


# name -> (task class, constructor arguments, (inputs, targets) of 16 samples, a forward input to compare)
CASES = {
    "classification": (
        ClassificationTask,
        {"model": "dlkit.models.mlp.MLP", "model_kwargs": {"in_features": 4, "out_features": 3}, "num_classes": 3,
         "label_smoothing": 0.1, "optimizer": "sgd", "momentum": 0.9, "lr": 0.05, "scheduler": "step",
         "scheduler_kwargs": {"step_size": 2}, "l1": 1e-4, "class_weights": [1.0, 2.0, 3.0]},
        lambda: (torch.randn(16, 4), torch.arange(16) % 3),
        lambda: torch.randn(5, 4),
    ),
    "distillation": (  # training targets: the label, then the teacher's logits
        DistillationTask,
        {"model": "dlkit.models.mlp.MLP", "model_kwargs": {"in_features": 4, "out_features": 3}, "num_classes": 3,
         "temperature": 2.0, "alpha": 0.7},
        lambda: (torch.randn(16, 4), torch.cat([(torch.arange(16) % 3)[:, None].float(), torch.randn(16, 3)], 1)),
        lambda: torch.randn(5, 4),
    ),
    "regression": (
        RegressionTask,
        {"model": "dlkit.models.mlp.MLP", "model_kwargs": {"in_features": 4, "out_features": 1},
         "optimizer": "adamw", "weight_decay": 0.01, "betas": (0.8, 0.99)},
        lambda: (torch.randn(16, 4), torch.randn(16)),
        lambda: torch.randn(5, 4),
    ),
    "causal_lm": (
        CausalLMTask,
        {"model": "dlkit.models.gpt.GPT", "model_kwargs": LM, "lr": 3e-3},
        lambda: (tokens(16), tokens(16)),
        lambda: tokens(3),
    ),
    "masked_lm": (
        MaskedLMTask,
        {"model": "dlkit.models.bert.BERT", "model_kwargs": LM, "mask_id": 1, "mask_prob": 0.3, "protected_ids": (0,)},
        lambda: (tokens(16, low=2), torch.zeros(16)),
        lambda: tokens(3, low=2),
    ),
    "seq2seq": (
        Seq2SeqTask,
        {"model": "dlkit.models.transformer.Seq2SeqTransformer",
         "model_kwargs": {"src_vocab_size": VOCAB, "tgt_vocab_size": VOCAB, "d_model": 16, "num_heads": 2,
                          "num_layers": 1, "max_len": 16},
         "max_new_tokens": 6, "label_smoothing": 0.05},
        lambda: (tokens(16, 5, low=3), seq2seq_targets(16)),
        lambda: tokens(3, 5, low=3),
    ),
    "autoencoder": (
        AutoencoderTask,
        {"model": "dlkit.models.autoencoder.Autoencoder", "model_kwargs": {"in_features": 16, "latent_dim": 2},
         "noise_std": 0.2},
        lambda: (torch.rand(16, 16), torch.zeros(16)),
        lambda: torch.rand(5, 16),
    ),
    "vae": (
        VAETask,
        {"model": "dlkit.models.vae.VAE", "model_kwargs": {"in_features": 16, "latent_dim": 2, "hidden_dims": (8,)},
         "beta": 0.5, "noise_std": 0.1},
        lambda: (torch.rand(16, 16), torch.zeros(16)),
        lambda: torch.rand(5, 16),
    ),
    "contrastive": (
        ContrastiveTask,
        {"model": "dlkit.models.simclr.SimCLRNet", "model_kwargs": {"in_features": 16, "rep_dim": 8, "proj_dim": 4},
         "temperature": 0.2, "image_shape": (1, 4, 4), "augment_kwargs": {"max_degrees": 5.0, "noise_std": 0.05}},
        lambda: (torch.rand(16, 16), torch.zeros(16)),
        lambda: torch.rand(5, 16),
    ),
    "gan": (
        GANTask,
        {"generator": "dlkit.models.gan.MLPGenerator", "generator_kwargs": {"latent_dim": 4},
         "discriminator": "dlkit.models.gan.MLPDiscriminator", "lr": 1e-3, "beta1": 0.6},
        lambda: (images(16), torch.zeros(16, dtype=torch.long)),
        lambda: torch.randn(5, 4),
    ),
}


def test_every_task_is_covered():
    """A new task in dlkit.tasks must join CASES (and so the round-trip test)."""
    import dlkit.tasks

    concrete = {cls for name, cls in vars(dlkit.tasks).items() if isinstance(cls, type) and issubclass(cls, Task)}
    assert concrete - {Task, SupervisedTask} == {case[0] for case in CASES.values()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_round_trip_through_load_from_checkpoint_alone(name, tmp_path):
    task_class, kwargs, data, probe = CASES[name]
    torch.manual_seed(0)
    task = task_class(**kwargs)
    before = {key: value.clone() for key, value in task.state_dict().items()}
    loader = DataLoader(TensorDataset(*data()), batch_size=8)
    trainer = make_trainer(fast_dev_run=True, accelerator="cpu")
    validation = loader if isinstance(task, SupervisedTask) else None  # a GAN has no validation step
    trainer.fit(task, train_dataloaders=loader, val_dataloaders=validation)
    assert any(not torch.equal(before[key], value) for key, value in task.state_dict().items()), "no step was taken"

    trainer.save_checkpoint(tmp_path / "task.ckpt")
    reloaded = task_class.load_from_checkpoint(tmp_path / "task.ckpt")

    assert type(reloaded) is task_class
    assert dict(reloaded.hparams) == dict(task.hparams)
    accepted = set(inspect.signature(task_class).parameters) - {"task_kwargs"}
    assert accepted <= set(task.hparams), "every named constructor argument is saved"
    for key, value in kwargs.items():  # the non-default options came back (network classes as import paths)
        assert reloaded.hparams[key] == value, key
    task.cpu().eval()
    reloaded.eval()
    assert task.state_dict().keys() == reloaded.state_dict().keys()
    for key, value in task.state_dict().items():
        torch.testing.assert_close(reloaded.state_dict()[key], value, rtol=0, atol=0)
    x = probe()
    with torch.no_grad():  # what trainer.predict returns (greedy decodes for seq2seq); a GAN's images from noise
        outputs = [t.predict(x) if isinstance(t, SupervisedTask) else t(x) for t in (task, reloaded)]
    torch.testing.assert_close(outputs[1], outputs[0], rtol=0, atol=0)
