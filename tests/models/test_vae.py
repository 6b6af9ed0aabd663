import pytest
import torch
from sklearn.datasets import load_digits
from torch.distributions import Normal, kl_divergence

from dlkit.data import ArrayDataModule
from dlkit.models.autoencoder import Autoencoder
from dlkit.models.latent import latent_noise
from dlkit.models.vae import VAE, gaussian_kl, reparameterize
from dlkit.tasks.vae import VAETask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_forward_and_sample_shapes():
    net = VAE(in_features=64, latent_dim=3, hidden_dims=(32,))
    out = net(torch.rand(4, 1, 8, 8))
    assert out.logits.shape == (4, 1, 8, 8) and out.mean.shape == (4, 3) and out.log_var.shape == (4, 3)
    assert net.sample(5, seed=0).shape == (5, 64)


def test_kl_is_never_negative_and_equals_torch():
    mean, log_var = 3 * torch.randn(100, 4), 3 * torch.randn(100, 4)
    kl = gaussian_kl(mean, log_var)
    assert (kl >= 0).all()
    reference = kl_divergence(Normal(mean, (0.5 * log_var).exp()), Normal(0.0, 1.0)).sum(dim=1)
    assert torch.allclose(kl, reference, rtol=1e-4, atol=1e-4)


def test_reparameterisation_passes_gradients():
    mean = torch.zeros(2, 3, requires_grad=True)
    log_var = torch.zeros(2, 3, requires_grad=True)
    reparameterize(mean, log_var).sum().backward()
    assert mean.grad is not None and log_var.grad is not None
    assert torch.equal(mean.grad, torch.ones(2, 3))


def test_sampling_is_seeded_and_ignores_the_global_generator():
    net = VAE(in_features=64, latent_dim=2)
    torch.manual_seed(0)
    first = net.sample(6, seed=3)
    torch.manual_seed(123)
    assert torch.equal(net.sample(6, seed=3), first)
    assert not torch.equal(net.sample(6, seed=4), first)
    assert ((first >= 0) & (first <= 1)).all()
    task = VAETask(model=VAE, model_kwargs={"latent_dim": 2})
    assert torch.equal(task.sample(6, seed=3), task.sample(6, seed=3))


def test_elbo_terms():
    task = VAETask(model=VAE, model_kwargs={"in_features": 64, "latent_dim": 2})
    x = torch.rand(8, 64)
    terms = task.losses(task.net(x), x)
    assert terms["kl"] >= 0 and terms["recon"] > 0
    assert torch.allclose(terms["elbo"], -(terms["recon"] + terms["kl"]))
    assert torch.allclose(terms["loss"], -terms["elbo"])


def test_bad_input_is_a_clear_error():
    net = VAE(in_features=64, latent_dim=2)
    with pytest.raises(ValueError, match=r"Expected a batch of shape \(N, 64\)"):
        net(torch.rand(3, 65))
    with pytest.raises(ValueError, match=r"Expected codes of shape \(N, 2\), but got \(3, 4\)"):
        net.decode(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="Expected latent_dim >= 1, but got 0"):
        VAE(latent_dim=0)
    with pytest.raises(ValueError, match="Expected num_samples >= 1, but got 0"):
        net.sample(0)
    with pytest.raises(ValueError, match="Expected num_samples >= 1"):
        latent_noise(-1, 2)
    task = VAETask(model=VAE, model_kwargs={"in_features": 64})
    with pytest.raises(ValueError, match=r"Expected inputs in \[0, 1\] \(Bernoulli pixels\), but got values from"):
        task.training_step(torch.randn(4, 64), 0)
    with pytest.raises(ValueError, match="Expected beta >= 0, but got -1"):
        VAETask(model=VAE, beta=-1)
    with pytest.raises(ValueError, match="Expected a VAE-like network with a sample\\(\\) method, but got Autoencoder"):
        VAETask(model=Autoencoder)


def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    digits = load_digits()
    dm = ArrayDataModule(x=digits.data / 16, y=digits.target, normalize=None, batch_size=64)
    task = VAETask(model=VAE, model_kwargs={"in_features": 64, "latent_dim": 2, "hidden_dims": (32,)}, beta=0.5)
    trainer = fit_fast_dev_run(task, dm)
    assert {"train_loss", "train_recon", "train_kl", "train_elbo", "val_elbo"} <= set(trainer.callback_metrics)
    assert trainer.callback_metrics["train_kl"] >= 0
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "vae.ckpt")
    reloaded = VAETask.load_from_checkpoint(tmp_path / "vae.ckpt", map_location="cpu")
    assert reloaded.hparams.beta == 0.5 and reloaded.hparams.noise_std == 0.0
    assert torch.equal(reloaded.sample(4, seed=0), task.cpu().sample(4, seed=0))
