"""Every option and formula of dlkit has a unit test that reads what it does.

A page's statistical claim (``val_loss`` lower with weight decay, a GAN's samples improving) notices a broken
option only sometimes, and only on some seeds. The tests here read each option's effect exactly, through the
public surface (a task's ``configure_optimizers()``, ``training_step`` and ``validation_step``, a network's
``forward``), against its closed-form definition:

- learning-rate schedules: the rate at every step of ``"step"``, ``"exponential"``, ``"cosine"``, ``"plateau"`` and
  ``"warmup"``, and that a Trainer steps them per epoch or per batch as ``scheduler_interval`` says;
- optimisers: ``weight_decay`` (L2 for Adam, decoupled for AdamW), ``momentum`` (SGD, RMSprop; rejected with Adam),
  GAN's ``beta1``: parameters after two steps on known gradients, to float32 precision;
- the ``l1`` penalty (weights only), ``label_smoothing``, ``class_weights`` and the VAE's ``beta`` in the loss;
- dropout in every network that has the option (beyond those tests/models covers): every dropout layer gets the
  option's p, zeroes that share in training and scales the rest by 1/(1-p); evaluation is as if p were 0;
- BERT's masking shares (15% picked; of those 80% ``[MASK]``, 10% random, 10% unchanged);
- one GAN step: the discriminator's lowers its loss and widens D(x) - D(G(z)), the generator's raises D(G(z));
- options whose effect no other test read: the MLP's and LeNet's ``activation``, the corpus windows' ``stride``.

Statistical checks (dropout, masking) use binomial tolerances: five standard deviations of the measured share,
so they hold for any seed, and a wrong rate (e.g. p = 0, or 70% instead of 80%) is far outside them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.callbacks import Callback
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlkit.data import ToyDataModule
from dlkit.data.corpus import CharCorpusDataModule, Vocabulary, text_windows
from dlkit.models.autoencoder import Autoencoder
from dlkit.models.bert import BERT
from dlkit.models.cnn import CNN
from dlkit.models.gan import MLPDiscriminator, MLPGenerator
from dlkit.models.gpt import GPT
from dlkit.models.lenet import LeNet
from dlkit.models.mlp import MLP
from dlkit.models.rnn import RecurrentNetwork, RecurrentTextClassifier
from dlkit.models.transformer import MultiHeadAttention, PositionalEncoding, Seq2SeqTransformer
from dlkit.models.vae import VAE
from dlkit.models.vgg import VGG
from dlkit.models.vit import ViT
from dlkit.tasks import (
    AutoencoderTask,
    CausalLMTask,
    ClassificationTask,
    GANTask,
    MaskedLMTask,
    RegressionTask,
    Seq2SeqTask,
    VAETask,
)
from dlkit.tasks.language_model import mask_tokens
from dlkit.training import make_trainer

# Steps called outside a Trainer: self.log() warns that no trainer is attached, which is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:You are trying to `self.log\\(\\)`")


# ------------------------------------------------------------------------------------------------ the tasks
def _ids(vocab: int, shape: tuple[int, ...], low: int = 0) -> torch.Tensor:
    return torch.randint(low, vocab, shape)


# name -> (task factory taking the optimiser/scheduler/l1 options, a training batch)
TASKS: dict[str, tuple[Callable[..., pl.LightningModule], Callable[[], object]]] = {
    "classification": (
        lambda **o: ClassificationTask(
            model=MLP, model_kwargs={"in_features": 4, "out_features": 3, "hidden_dims": (8,)}, num_classes=3, **o
        ),
        lambda: (torch.randn(16, 4), torch.randint(0, 3, (16,))),
    ),
    "regression": (
        lambda **o: RegressionTask(model=MLP, model_kwargs={"in_features": 4, "out_features": 1, "hidden_dims": (8,)}, **o),
        lambda: (torch.randn(16, 4), torch.randn(16)),
    ),
    "causal_lm": (
        lambda **o: CausalLMTask(
            model=GPT, model_kwargs={"vocab_size": 12, "max_len": 8, "d_model": 8, "num_heads": 2, "num_layers": 1}, **o
        ),
        lambda: (_ids(12, (4, 8)), _ids(12, (4, 8))),
    ),
    "masked_lm": (
        lambda **o: MaskedLMTask(
            model=BERT, model_kwargs={"vocab_size": 12, "max_len": 8, "d_model": 8, "num_heads": 2, "num_layers": 1},
            mask_id=1, **o,
        ),
        lambda: _ids(12, (8, 8), low=2),
    ),
    "seq2seq": (
        lambda **o: Seq2SeqTask(
            model=Seq2SeqTransformer,
            model_kwargs={"src_vocab_size": 10, "tgt_vocab_size": 10, "d_model": 8, "num_heads": 2, "num_layers": 1},
            max_new_tokens=5, **o,
        ),
        lambda: (_ids(10, (4, 6), low=3), torch.cat([torch.ones(4, 1, dtype=torch.long), _ids(10, (4, 5), low=3)], 1)),
    ),
    "autoencoder": (
        lambda **o: AutoencoderTask(
            model=Autoencoder, model_kwargs={"in_features": 8, "latent_dim": 2, "hidden_dims": (4,)}, **o
        ),
        lambda: (torch.rand(16, 8),),
    ),
    "vae": (
        lambda **o: VAETask(model=VAE, model_kwargs={"in_features": 8, "latent_dim": 2, "hidden_dims": (4,)}, **o),
        lambda: (torch.rand(16, 8),),
    ),
}


def make_task(name: str, **options) -> pl.LightningModule:
    torch.manual_seed(0)
    return TASKS[name][0](**options)


def optimizer_and_scheduler(task: pl.LightningModule):
    """What ``configure_optimizers`` returns, as (optimizer, scheduler or None, lr_scheduler config or None)."""
    config = task.configure_optimizers()
    if isinstance(config, torch.optim.Optimizer):
        return config, None, None
    return config["optimizer"], config["lr_scheduler"]["scheduler"], config["lr_scheduler"]


# ------------------------------------------------------------------------------ learning-rate schedules
def lr_sequence(task: pl.LightningModule, steps: int, metrics: list[float] | None = None) -> list[float]:
    """The learning rate in force at each of ``steps`` optimiser steps, stepping the task's scheduler after each."""
    optimizer, scheduler, _ = optimizer_and_scheduler(task)
    lrs = []
    for t in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()  # no gradients: parameters stay, but torch wants a step before the scheduler's
        scheduler.step() if metrics is None else scheduler.step(metrics[t])
    return lrs


LR = 0.8


@pytest.mark.parametrize(
    ("scheduler", "kwargs", "formula"),
    [
        ("step", {"step_size": 3, "gamma": 0.5}, lambda t: LR * 0.5 ** (t // 3)),
        ("exponential", {"gamma": 0.7}, lambda t: LR * 0.7**t),
        ("cosine", {"T_max": 8}, lambda t: LR * 0.5 * (1 + math.cos(math.pi * t / 8))),
        ("cosine", {"T_max": 6, "eta_min": 0.1}, lambda t: 0.1 + (LR - 0.1) * 0.5 * (1 + math.cos(math.pi * t / 6))),
        ("warmup", {"start_factor": 0.25, "total_iters": 4}, lambda t: LR * (0.25 + 0.75 * min(t, 4) / 4)),
    ],
    ids=["step", "exponential", "cosine", "cosine-eta_min", "warmup"],
)
@pytest.mark.parametrize("task_name", sorted(TASKS))
def test_schedule_follows_its_formula_step_by_step(task_name, scheduler, kwargs, formula):
    steps = 9 if scheduler != "cosine" else kwargs["T_max"] + 1  # cosine annealing is defined on 0..T_max
    task = make_task(task_name, lr=LR, optimizer="sgd", scheduler=scheduler, scheduler_kwargs=kwargs)
    lrs = lr_sequence(task, steps)
    expected = [formula(t) for t in range(steps)]
    assert lrs == pytest.approx(expected, rel=1e-6), f"{scheduler}{kwargs}: got {lrs}, expected {expected}"


def test_warmup_by_default_ramps_from_a_tenth_to_the_full_rate_in_five_steps():
    lrs = lr_sequence(make_task("classification", lr=LR, optimizer="sgd", scheduler="warmup"), 8)
    assert lrs[0] == pytest.approx(0.1 * LR), f"warm-up must start at 0.1 * lr, got {lrs[0]}"
    assert all(a < b for a, b in zip(lrs[:5], lrs[1:6])), f"warm-up must rise at every step, got {lrs}"
    assert lrs == pytest.approx([LR * (0.1 + 0.9 * min(t, 5) / 5) for t in range(8)], rel=1e-6)


def test_plateau_cuts_after_patience_plus_one_bad_epochs():
    task = make_task("classification", lr=LR, optimizer="sgd", scheduler="plateau",
                     scheduler_kwargs={"patience": 2, "factor": 0.5})
    assert optimizer_and_scheduler(task)[2]["monitor"] == "val_loss"
    # a flat validation loss: epoch 0 sets the best, epochs 1, 2, 3 are bad; the third bad one (patience + 1) cuts
    lrs = lr_sequence(task, 10, metrics=[1.0] * 10)
    assert lrs == pytest.approx([LR] * 4 + [LR / 2] * 3 + [LR / 4] * 3), lrs
    improving = make_task("classification", lr=LR, optimizer="sgd", scheduler="plateau", scheduler_kwargs={"patience": 2})
    assert lr_sequence(improving, 10, metrics=[1.0 - 0.05 * t for t in range(10)]) == pytest.approx([LR] * 10)


class RecordLR(Callback):
    """The learning rate at the start of every training batch."""

    def __init__(self) -> None:
        self.lrs: list[float] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self.lrs.append(trainer.optimizers[0].param_groups[0]["lr"])


def wine_task(**options) -> ClassificationTask:
    """A small classifier of the wine data (13 features, 3 classes): 124 training samples, 2 batches of 64."""
    return ClassificationTask(model=MLP, model_kwargs={"in_features": 13, "out_features": 3, "hidden_dims": (8,)},
                              num_classes=3, **options)


@pytest.mark.parametrize("interval", ["step", "epoch"])
def test_trainer_steps_the_warmup_per_batch_or_per_epoch(interval):
    pl.seed_everything(0, verbose=False)
    task = wine_task(lr=LR, optimizer="sgd", scheduler="warmup", scheduler_kwargs={"start_factor": 0.25, "total_iters": 4},
                     scheduler_interval=interval)
    record = RecordLR()
    make_trainer(max_epochs=3, callbacks=[record], limit_train_batches=2, limit_val_batches=1, accelerator="cpu").fit(
        task, datamodule=ToyDataModule(name="wine")
    )
    counter = range(6) if interval == "step" else [epoch for epoch in range(3) for _ in range(2)]
    assert record.lrs == pytest.approx([LR * (0.25 + 0.75 * min(t, 4) / 4) for t in counter]), record.lrs


def test_trainer_cuts_on_a_plateau_of_val_loss():
    pl.seed_everything(0, verbose=False)
    # an improvement must beat the best by 10 (absolute): no epoch does, so with patience 0 every epoch after the
    # first cuts the rate, which shows the scheduler reads val_loss at the end of each epoch
    task = wine_task(lr=0.01, optimizer="sgd", scheduler="plateau",
                     scheduler_kwargs={"patience": 0, "factor": 0.5, "threshold": 10.0, "threshold_mode": "abs"})
    record = RecordLR()
    make_trainer(max_epochs=4, callbacks=[record], limit_train_batches=1, limit_val_batches=1, accelerator="cpu").fit(
        task, datamodule=ToyDataModule(name="wine")
    )
    assert record.lrs == pytest.approx([0.01, 0.01, 0.005, 0.0025]), record.lrs


# ------------------------------------------------------------------------------------------- optimisers
def _reference(name: str, w, grads, *, lr, weight_decay=0.0, momentum=0.0, betas=(0.9, 0.999), eps=1e-8):
    """The parameters after one optimiser step per gradient in ``grads``, from the update rules in float64."""
    w = w.double()
    velocity = first = second = None
    for t, g in enumerate(grads, start=1):
        g = g.double()
        if name == "sgd":  # v = mu v + (g + wd w), w -= lr v
            d = g + weight_decay * w
            velocity = d if velocity is None else momentum * velocity + d
            w = w - lr * velocity
        elif name == "rmsprop":  # s = a s + (1 - a) g^2, v = mu v + g / (sqrt(s) + eps), w -= lr v
            d = g + weight_decay * w
            second = 0.01 * d**2 if second is None else 0.99 * second + 0.01 * d**2
            step = d / (second.sqrt() + eps)
            velocity = step if velocity is None else momentum * velocity + step
            w = w - lr * velocity
        else:  # adam: L2 added to the gradient; adamw: decoupled, w <- w (1 - lr wd) before the Adam step
            b1, b2 = betas
            if name == "adamw":
                w = w * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * w
            first = (1 - b1) * g if first is None else b1 * first + (1 - b1) * g
            second = (1 - b2) * g**2 if second is None else b2 * second + (1 - b2) * g**2
            w = w - lr * (first / (1 - b1**t)) / ((second / (1 - b2**t)).sqrt() + eps)
    return w


def _known_values(shape: torch.Size, offset: float) -> torch.Tensor:
    n = math.prod(shape)
    return torch.sin(torch.arange(n, dtype=torch.float32) * 0.7 + offset).reshape(shape)


def two_steps(optimizer: torch.optim.Optimizer, parameters: list[nn.Parameter]):
    """Set every parameter to known values, take two steps on known gradients; return (start, gradients, end)."""
    start, grads = [], []
    with torch.no_grad():
        for i, p in enumerate(parameters):
            p.copy_(_known_values(p.shape, i))
            start.append(p.detach().clone())
            grads.append([_known_values(p.shape, 10 + i + 3 * k) for k in range(2)])
    for k in range(2):
        for p, g in zip(parameters, grads):
            p.grad = g[k].clone()
        optimizer.step()
    return start, grads, [p.detach().clone() for p in parameters]


OPTIMIZER_CASES = [
    ("sgd", {"weight_decay": 0.1}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.5, "weight_decay": 0.2}),
    ("rmsprop", {"momentum": 0.8, "weight_decay": 0.1}),
    ("adam", {"weight_decay": 0.3}),
    ("adamw", {"weight_decay": 0.3}),
]


@pytest.mark.parametrize(("optimizer", "options"), OPTIMIZER_CASES, ids=[f"{o}-{sorted(k)}" for o, k in OPTIMIZER_CASES])
@pytest.mark.parametrize("task_name", sorted(TASKS))
def test_weight_decay_and_momentum_give_the_update_rule(task_name, optimizer, options):
    task = make_task(task_name, lr=0.05, optimizer=optimizer, **options)
    opt, _, _ = optimizer_and_scheduler(task)
    parameters = [p for group in opt.param_groups for p in group["params"]]
    assert {id(p) for p in parameters} == {id(p) for p in task.parameters()}, "the optimiser must step every parameter"
    start, grads, end = two_steps(opt, parameters)
    for w0, g, w2 in zip(start, grads, end):
        torch.testing.assert_close(w2, _reference(optimizer, w0, g, lr=0.05, **options).float())


def test_adam_weight_decay_is_l2_and_adamw_is_decoupled():
    # with a zero data gradient, AdamW shrinks each weight by exactly lr * wd * w; Adam's L2 gradient wd * w is
    # normalised by its own size, so each weight moves by about lr, whatever its magnitude
    for name, expected in (("adamw", lambda w: w * (1 - 0.1 * 0.5)), ("adam", lambda w: w - 0.1 * torch.sign(w))):
        task = make_task("regression", lr=0.1, optimizer=name, weight_decay=0.5)
        opt, _, _ = optimizer_and_scheduler(task)
        with torch.no_grad():
            for p in task.parameters():
                p.copy_(_known_values(p.shape, 1.0) + 0.01 * torch.sign(_known_values(p.shape, 1.0)))
        start = [p.detach().clone() for p in task.parameters()]
        for p in task.parameters():
            p.grad = torch.zeros_like(p)
        opt.step()
        for w0, p in zip(start, task.parameters()):
            torch.testing.assert_close(p.detach(), expected(w0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
@pytest.mark.parametrize("task_name", sorted(TASKS))
def test_momentum_with_adam_is_rejected(task_name, optimizer):
    with pytest.raises(ValueError, match="momentum"):
        make_task(task_name, optimizer=optimizer, momentum=0.9).configure_optimizers()


def test_gan_optimisers_use_beta1_lr_and_their_own_network():
    task = GANTask(generator=MLPGenerator, discriminator=MLPDiscriminator, lr=0.02, beta1=0.3,
                   generator_kwargs={"hidden_dims": (8,)}, discriminator_kwargs={"hidden_dims": (8,)})
    opt_g, opt_d = task.configure_optimizers()
    for opt, net in ((opt_g, task.generator), (opt_d, task.discriminator)):
        parameters = [p for group in opt.param_groups for p in group["params"]]
        assert {id(p) for p in parameters} == {id(p) for p in net.parameters()}
        start, grads, end = two_steps(opt, parameters)
        for w0, g, w2 in zip(start, grads, end):  # the second Adam step depends on beta1
            torch.testing.assert_close(w2, _reference("adam", w0, g, lr=0.02, betas=(0.3, 0.999)).float())


# ------------------------------------------------------------------------------- terms of the loss
def _training_loss(task: pl.LightningModule, batch) -> torch.Tensor:
    torch.manual_seed(1)  # the same masks (MLM) and the same sampled codes (VAE) for both tasks compared
    return task.training_step(batch, 0)


@pytest.mark.parametrize("task_name", sorted(TASKS))
def test_l1_adds_lambda_times_the_sum_of_absolute_weights(task_name):
    plain, penalised = make_task(task_name), make_task(task_name, l1=0.01)
    with torch.no_grad():
        for p in plain.parameters():  # large biases and norm scales: counting them would show
            if p.ndim < 2:
                p.fill_(5.0)
    penalised.load_state_dict(plain.state_dict())
    batch = TASKS[task_name][1]()
    weights = sum(p.abs().sum() for p in plain.parameters() if p.ndim > 1)  # matrices and kernels only
    torch.testing.assert_close(_training_loss(penalised, batch), _training_loss(plain, batch) + 0.01 * weights)
    torch.manual_seed(1)
    val_plain = plain.validation_step(batch, 0)
    torch.manual_seed(1)
    torch.testing.assert_close(penalised.validation_step(batch, 0), val_plain)  # training loss only


def test_label_smoothing_is_the_smoothed_cross_entropy():
    x = 20 * torch.randn(32, 4)  # large inputs: confident logits, far from uniform
    y = make_task("classification")(x).argmax(dim=1)  # ... and right: smoothing then costs, plain CE is near 0
    losses = {}
    for smoothing in (0.0, 0.2):
        task = make_task("classification", label_smoothing=smoothing)
        loss = task.validation_step((x, y), 0)
        torch.testing.assert_close(loss, F.cross_entropy(task(x), y, label_smoothing=smoothing))
        losses[smoothing] = loss
    assert abs(losses[0.2] - losses[0.0]) > 0.1, losses


def test_class_weights_weigh_each_sample_by_its_class():
    """L = sum_i w_{y_i} * CE_i / sum_i w_{y_i}, by hand and against torch's weight=; weights of 1 change nothing."""
    torch.manual_seed(0)
    x, y = 20 * torch.randn(32, 4), torch.arange(32) % 3  # large inputs: per-class losses far apart
    plain = make_task("classification")
    weighted = make_task("classification", class_weights=[1.0, 2.0, 7.0])
    ones = make_task("classification", class_weights=[1.0, 1.0, 1.0])
    weighted.load_state_dict(plain.state_dict())
    ones.load_state_dict(plain.state_dict())
    per_sample = F.cross_entropy(plain(x), y, reduction="none")
    w = torch.tensor([1.0, 2.0, 7.0])[y]
    torch.testing.assert_close(weighted.validation_step((x, y), 0), (w * per_sample).sum() / w.sum())
    torch.testing.assert_close(ones.validation_step((x, y), 0), per_sample.mean())
    assert abs(weighted.validation_step((x, y), 0) - per_sample.mean()) > 0.05  # the weights matter


def test_class_weights_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match=r"one positive number per class \(3\), but got \[1.0, 2.0\]"):
        make_task("classification", class_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"but got \[1.0, -1.0, 1.0\]"):
        make_task("classification", class_weights=[1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match=r"but got \[1.0, nan, 1.0\]"):
        make_task("classification", class_weights=[1.0, float("nan"), 1.0])
    with pytest.raises(TypeError, match=r"Expected class_weights as a list or tuple of 3 numbers .* but got Tensor"):
        make_task("classification", class_weights=torch.ones(3))


def test_seq2seq_label_smoothing_is_the_smoothed_cross_entropy_without_padding():
    src, tgt = TASKS["seq2seq"][1]()
    tgt[0, 4:] = 0  # padding: ignored
    losses = {}
    for smoothing in (0.0, 0.2):
        task = make_task("seq2seq", label_smoothing=smoothing)
        logits = task(src, tgt[:, :-1])
        expected = F.cross_entropy(logits.flatten(0, 1), tgt[:, 1:].flatten(), ignore_index=0, label_smoothing=smoothing)
        losses[smoothing] = task.training_step((src, tgt), 0)
        torch.testing.assert_close(losses[smoothing], expected)
    assert abs(losses[0.2] - losses[0.0]) > 0.01, losses


def test_vae_beta_weighs_the_kl_term():
    x = torch.rand(16, 8)
    for beta in (0.0, 1.0, 4.0):
        task = make_task("vae", beta=beta)
        torch.manual_seed(2)
        out = task.net(x)
        recon = F.binary_cross_entropy_with_logits(out.logits, x, reduction="none").sum(dim=1)
        posterior = torch.distributions.Normal(out.mean, (0.5 * out.log_var).exp())
        prior = torch.distributions.Normal(torch.zeros_like(out.mean), torch.ones_like(out.mean))
        kl = torch.distributions.kl_divergence(posterior, prior).sum(dim=1)
        torch.manual_seed(2)
        torch.testing.assert_close(task.training_step((x,), 0), (recon + beta * kl).mean())


# --------------------------------------------------------------------------------------------- dropout
P = 0.3


# name -> (network with dropout p, its input); inputs large enough for >= 2000 dropped-or-kept values. The MLP,
# GPT, BERTClassifier and the transformer blocks have their own dropout tests in tests/models (tests/models/dropout.py).
DROPOUT_NETWORKS: dict[str, tuple[Callable[[float], nn.Module], Callable[[], tuple]]] = {
    "CNN": (lambda p: CNN(hidden_dim=64, channels=(4, 8), dropout=p), lambda: (torch.randn(128, 1, 8, 8),)),
    "VGG": (lambda p: VGG(hidden_dim=64, blocks=((1, 4), (1, 8)), dropout=p), lambda: (torch.randn(128, 1, 8, 8),)),
    "ViT": (lambda p: ViT(d_model=16, num_heads=2, num_layers=1, dropout=p), lambda: (torch.randn(32, 1, 8, 8),)),
    "BERT": (lambda p: BERT(vocab_size=12, max_len=16, d_model=16, num_heads=2, num_layers=1, dropout=p),
             lambda: (torch.randint(0, 12, (16, 16)),)),
    "Seq2SeqTransformer": (
        lambda p: Seq2SeqTransformer(src_vocab_size=10, tgt_vocab_size=10, d_model=16, num_heads=2, num_layers=1, dropout=p),
        lambda: (torch.randint(1, 10, (16, 8)), torch.randint(1, 10, (16, 8)))),
    "MultiHeadAttention": (lambda p: MultiHeadAttention(d_model=16, num_heads=2, dropout=p),
                           lambda: (torch.randn(8, 16, 16),) * 3),
    "PositionalEncoding": (lambda p: PositionalEncoding(d_model=16, max_len=16, dropout=p),
                           lambda: (torch.randn(16, 16, 16),)),
    "RecurrentNetwork": (lambda p: RecurrentNetwork(in_features=3, hidden_dim=32, out_features=2, num_layers=2, dropout=p),
                         lambda: (torch.randn(64, 6, 3),)),
    "RecurrentTextClassifier": (
        lambda p: RecurrentTextClassifier(vocab_size=12, num_classes=2, hidden_dim=32, num_layers=2, dropout=p),
        lambda: (torch.randint(1, 12, (128, 6)),)),
}


def _dropout_layers(net: nn.Module) -> tuple[list[nn.Dropout], list[nn.Module]]:
    """The network's dropout modules, and the torch layers that take a dropout rate as a number."""
    modules = [m for m in net.modules() if isinstance(m, nn.modules.dropout._DropoutNd)]
    rated = [m for m in net.modules() if isinstance(m, (nn.RNNBase, nn.MultiheadAttention))]
    return modules, rated


def _outputs(net: nn.Module, inputs: tuple) -> torch.Tensor:
    out = net(*inputs)
    out = out[0] if isinstance(out, tuple) else out
    return getattr(out, "logits", out)


def binomial_tolerance(p: float, n: int) -> float:
    return 5 * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("name", sorted(DROPOUT_NETWORKS))
def test_dropout_zeroes_a_share_p_and_scales_the_rest_in_training(name):
    make, inputs = DROPOUT_NETWORKS[name]
    torch.manual_seed(0)
    net = make(P).train()
    modules, rated = _dropout_layers(net)
    assert modules or rated, f"{name}(dropout={P}) has no dropout layer"
    for m in modules:
        assert m.p == P, f"{name}: a dropout layer has p={m.p}, not the option's {P}"
    for m in rated:
        if not isinstance(m, nn.RNNBase) or m.num_layers > 1:
            assert m.dropout == P, f"{name}: {type(m).__name__} has dropout={m.dropout}, not {P}"
    calls: list[tuple[torch.Tensor, torch.Tensor]] = []
    hooks = [m.register_forward_hook(lambda m, i, o: calls.append((i[0].detach(), o.detach()))) for m in modules]
    try:
        _outputs(net, inputs())
    finally:
        for hook in hooks:
            hook.remove()
    if modules:
        assert calls, f"{name}: no dropout layer ran in the forward pass"
        x = torch.cat([i.flatten() for i, _ in calls])
        y = torch.cat([o.flatten() for _, o in calls])
        live = x != 0
        n = int(live.sum())
        assert n >= 2000, f"only {n} values went through dropout: too few to measure"
        dropped = float((y[live] == 0).float().mean())
        assert abs(dropped - P) < binomial_tolerance(P, n), f"{name}: dropped {dropped:.4f} of {n} values, expected {P}"
        kept = live & (y != 0)
        torch.testing.assert_close(y[kept], x[kept] / (1 - P))  # inverted dropout: E[output] = input


@pytest.mark.parametrize("name", sorted(DROPOUT_NETWORKS))
def test_dropout_is_the_identity_in_evaluation(name):
    make, inputs = DROPOUT_NETWORKS[name]
    torch.manual_seed(0)
    net = make(P)
    without = make(0.0)
    without.load_state_dict(net.state_dict())
    x = inputs()
    with torch.no_grad():
        net.eval()
        without.eval()
        torch.testing.assert_close(_outputs(net, x), _outputs(without, x))  # eval: as if there were no dropout
        net.train()
        torch.manual_seed(1)
        first = _outputs(net, x)
        assert not torch.allclose(first, _outputs(without, x)), f"{name}: dropout={P} changed nothing in training"
        torch.manual_seed(2)
        assert not torch.equal(first, _outputs(net, x)), f"{name}: training outputs do not vary with the dropout draw"


def test_mlp_dropout_end_to_end_with_identity_weights():
    # hidden and output layers set to the identity: in training the output *is* the dropped-out input
    torch.manual_seed(0)
    net = MLP(in_features=256, out_features=256, hidden_dims=(256,), dropout=P)
    with torch.no_grad():
        for layer in (m for m in net.modules() if isinstance(m, nn.Linear)):
            layer.weight.copy_(torch.eye(256))
            layer.bias.zero_()
    x = torch.rand(64, 256) + 0.5  # positive: ReLU passes it unchanged
    y = net.train()(x)
    zero = y == 0
    assert abs(float(zero.float().mean()) - P) < binomial_tolerance(P, x.numel())
    torch.testing.assert_close(y[~zero], x[~zero] / (1 - P))
    torch.testing.assert_close(net.eval()(x), x)


# ------------------------------------------------------------------------------------------ MLM masking
VOCAB, MASK = 500, 1


def masking_shares(corrupted: torch.Tensor, targets: torch.Tensor, ids: torch.Tensor) -> dict[str, float]:
    picked = targets != -100
    n = int(picked.sum())
    masked = corrupted[picked] == MASK
    same = corrupted[picked] == ids[picked]
    return {
        "picked": float(picked.float().mean()),
        "mask": float(masked.float().mean()),
        "random": float((~masked & ~same).float().mean()),
        "unchanged": float(same.float().mean()),
        "n": n,
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mlm_masking_shares(seed):
    ids = torch.randint(2, VOCAB, (200, 100), generator=torch.Generator().manual_seed(100 + seed))
    corrupted, targets = mask_tokens(ids, mask_id=MASK, vocab_size=VOCAB, protected_ids=(0, MASK),
                                     generator=torch.Generator().manual_seed(seed))
    picked = targets != -100
    assert torch.equal(targets[picked], ids[picked]) and torch.equal(corrupted[~picked], ids[~picked])
    shares = masking_shares(corrupted, targets, ids)
    allowed = VOCAB - 2  # a random replacement is the original token with probability 1 / allowed
    expected = {"picked": 0.15, "mask": 0.8, "random": 0.1 * (1 - 1 / allowed), "unchanged": 0.1 + 0.1 / allowed}
    for key, share in expected.items():
        n = ids.numel() if key == "picked" else shares["n"]
        assert abs(shares[key] - share) < binomial_tolerance(share, n), f"{key}: {shares[key]:.4f}, expected {share:.4f}"


def test_masked_lm_task_uses_its_mask_prob_and_mask_id():
    task = MaskedLMTask(model=BERT, model_kwargs={"vocab_size": VOCAB, "max_len": 100, "d_model": 8, "num_heads": 2,
                                                  "num_layers": 1}, mask_id=3, mask_prob=0.3)
    ids = torch.randint(4, VOCAB, (100, 100))
    corrupted, targets = task.inputs_and_targets(ids, "train", 0)
    picked = targets != -100
    assert abs(float(picked.float().mean()) - 0.3) < binomial_tolerance(0.3, ids.numel())
    assert abs(float((corrupted[picked] == 3).float().mean()) - 0.8) < binomial_tolerance(0.8, int(picked.sum()))


# ---------------------------------------------------------------------------------------------- GAN step
class WatchGANSteps(Callback):
    """Around each optimiser step: mean D(x) on the real batch and mean D(G(z)) for the noise that step used."""

    def __init__(self) -> None:
        self.records: list[dict[str, float]] = []  # one per optimiser step: name, before and after
        self.batch = None
        self.noise = None
        self.measuring = False

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self.batch = batch

    def on_train_start(self, trainer, pl_module) -> None:
        def keep_noise(module, args):
            if not self.measuring:
                self.noise = args

        pl_module.generator.register_forward_pre_hook(keep_noise)
        for name, opt in zip(("generator", "discriminator"), trainer.optimizers):
            opt.register_step_pre_hook(
                lambda o, a, k, name=name: self.records.append({"step": name, **self._measure(pl_module, "before")})
            )
            opt.register_step_post_hook(lambda o, a, k: self.records[-1].update(self._measure(pl_module, "after")))

    def _measure(self, task, when: str) -> dict[str, float]:
        self.measuring = True
        try:
            with torch.no_grad():
                x, y = self.batch
                z, *fake_labels = self.noise
                fake_labels = fake_labels[0] if fake_labels else None
                real_logits = task.discriminator(x, y if task.num_classes else None)
                fake_logits = task.discriminator(task.generator(z, fake_labels), fake_labels)
        finally:
            self.measuring = False
        # the discriminator's objective, written out: -E log D(x) - E log(1 - D(G(z)))
        d_loss = -F.logsigmoid(real_logits).mean() - F.logsigmoid(-fake_logits).mean()
        return {
            f"d_real_{when}": float(torch.sigmoid(real_logits).mean()),
            f"d_fake_{when}": float(torch.sigmoid(fake_logits).mean()),
            f"d_loss_{when}": float(d_loss),
        }


@pytest.mark.parametrize("num_classes", [0, 3])
@pytest.mark.parametrize("seed", range(4))
def test_gan_steps_move_the_discriminator_the_right_way(seed, num_classes):
    pl.seed_everything(seed, verbose=False)
    task = GANTask(
        generator=MLPGenerator, discriminator=MLPDiscriminator, lr=1e-3,
        generator_kwargs={"latent_dim": 8, "hidden_dims": (32,), "num_classes": num_classes},
        discriminator_kwargs={"hidden_dims": (32,), "num_classes": num_classes},
    )
    # bright real images, unlike the untrained generator's (tanh of small outputs, around 0): D can tell them apart
    images = (0.8 + 0.1 * torch.randn(64, 1, 8, 8)).clamp(-1, 1)
    loader = DataLoader(TensorDataset(images, torch.randint(0, max(num_classes, 1), (64,))), batch_size=32)
    watch = WatchGANSteps()
    make_trainer(max_epochs=1, callbacks=[watch], accelerator="cpu").fit(task, train_dataloaders=loader)
    assert [r["step"] for r in watch.records] == ["discriminator", "generator"] * 2  # D first, then G, per batch
    for r in watch.records:
        if r["step"] == "discriminator":  # real -> 1, fake -> 0: its loss falls and D(x) - D(G(z)) widens
            # (D(x) and D(G(z)) need not each move the right way: a shared bias can lift both)
            assert r["d_loss_after"] < r["d_loss_before"], r
            assert r["d_real_after"] - r["d_fake_after"] > r["d_real_before"] - r["d_fake_before"], r
        else:  # the generator's loss uses the label "real": its step raises D(G(z)) and leaves D(x) alone
            assert r["d_fake_after"] > r["d_fake_before"], r
            assert r["d_real_after"] == r["d_real_before"], r


# ------------------------------------------------------------------- other options no test read before
@pytest.mark.parametrize(("activation", "function"), [("relu", torch.relu), ("tanh", torch.tanh)])
def test_mlp_activation_is_applied_after_each_hidden_layer(activation, function):
    torch.manual_seed(0)
    net = MLP(in_features=5, out_features=2, hidden_dims=(7,), activation=activation).eval()
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    x = torch.randn(10, 5)
    torch.testing.assert_close(net(x), linears[1](function(linears[0](x))))


@pytest.mark.parametrize(("activation", "kind", "other"), [("relu", nn.ReLU, nn.Tanh), ("tanh", nn.Tanh, nn.ReLU)])
def test_lenet_activation_is_the_one_asked_for(activation, kind, other):
    net = LeNet(activation=activation)
    kinds = [type(m) for m in net.modules()]
    assert kinds.count(kind) >= 3 and other not in kinds, kinds  # after both convolutions and each hidden layer


def test_text_windows_start_every_stride_tokens():
    vocab = Vocabulary("0123456789")
    assert text_windows("0123456789", vocab, window=4, stride=3).tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    assert text_windows("0123456789", vocab, window=4).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]  # default: window


def test_char_corpus_stride_sets_the_overlap_of_windows():
    text = "the quick brown fox jumps over the lazy dog. " * 40
    counts = {s: len(CharCorpusDataModule(text=text, max_len=8, stride=s).train_set) for s in (2, 4, 8)}
    assert 1.8 < counts[4] / counts[8] < 2.2 and 1.8 < counts[2] / counts[4] < 2.2, counts
