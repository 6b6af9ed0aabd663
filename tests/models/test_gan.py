import inspect

import pytest
import torch
from sklearn.datasets import load_digits

from dlkit.callbacks import GeneratedSamples
from dlkit.data import ArrayDataModule
from dlkit.models.gan import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from dlkit.tasks.gan import GANTask
from dlkit.training import make_trainer
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run

FAMILIES = {
    "mlp": (MLPGenerator, {"hidden_dims": (32,)}, MLPDiscriminator, {"hidden_dims": (32,)}),
    "dcgan": (DCGANGenerator, {"base_channels": 8}, DCGANDiscriminator, {"base_channels": 8}),
}


def gan_digits() -> ArrayDataModule:
    digits = load_digits()
    return ArrayDataModule(x=digits.data / 8 - 1, y=digits.target, normalize=None, batch_size=64, input_shape=(1, 8, 8))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("num_classes", [0, 10], ids=["unconditional", "conditional"])
def test_shapes(family, num_classes):
    G, g_kwargs, D, d_kwargs = FAMILIES[family]
    generator = G(latent_dim=5, num_classes=num_classes, **g_kwargs)
    discriminator = D(num_classes=num_classes, **d_kwargs)
    y = torch.arange(4) if num_classes else None
    images = generator(torch.randn(4, 5), y)
    assert images.shape == (4, 1, 8, 8) and images.abs().max() <= 1
    assert discriminator(images, y).shape == (4,)


def test_other_image_sizes_and_channels():
    assert DCGANGenerator(latent_dim=3, image_size=16, out_channels=3)(torch.randn(2, 3)).shape == (2, 3, 16, 16)
    assert DCGANDiscriminator(image_size=16, in_channels=3)(torch.rand(2, 3, 16, 16)).shape == (2,)
    assert MLPGenerator(latent_dim=3, image_size=4, out_channels=2)(torch.randn(2, 3)).shape == (2, 2, 4, 4)


@pytest.mark.parametrize("family", FAMILIES)
def test_sampling_is_seeded(family):
    G, g_kwargs, _, _ = FAMILIES[family]
    generator = G(latent_dim=5, num_classes=10, **g_kwargs).eval()
    torch.manual_seed(0)
    first = generator.sample(6, labels=[0, 1, 2, 3, 4, 5], seed=7)
    torch.manual_seed(99)  # the global generator does not matter
    assert torch.equal(generator.sample(6, labels=[0, 1, 2, 3, 4, 5], seed=7), first)
    assert not torch.equal(generator.sample(6, labels=[0, 1, 2, 3, 4, 5], seed=8), first)
    assert not torch.equal(generator.sample(6, labels=[9, 9, 9, 9, 9, 9], seed=7), first)


@pytest.mark.parametrize("family", FAMILIES)
def test_bad_input_is_a_clear_error(family):
    G, g_kwargs, D, d_kwargs = FAMILIES[family]
    conditional, plain = G(latent_dim=5, num_classes=10, **g_kwargs), G(latent_dim=5, **g_kwargs)
    with pytest.raises(ValueError, match=r"Expected noise of shape \(N, 5\), but got \(2, 4\)"):
        plain(torch.randn(2, 4))
    with pytest.raises(ValueError, match=r"Expected noise of shape \(N, 5\), but got \(5,\)"):
        plain(torch.randn(5))
    with pytest.raises(ValueError, match=r"Expected class labels of shape \(2,\) for a conditional network, but got None"):
        conditional(torch.randn(2, 5))
    with pytest.raises(ValueError, match=r"Expected no class labels for an unconditional network"):
        plain(torch.randn(2, 5), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"Expected class labels in \[0, 9\], but got values from -1 to 3"):
        conditional(torch.randn(2, 5), torch.tensor([-1, 3]))
    with pytest.raises(ValueError, match=r"Expected integer class labels of shape \(2,\), but got torch.float32"):
        conditional(torch.randn(2, 5), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"Expected integer class labels of shape \(2,\), but got torch.int64 of shape \(3,\)"):
        conditional(torch.randn(2, 5), torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="Expected latent_dim >= 1, but got 0"):
        G(latent_dim=0, **g_kwargs)
    with pytest.raises(ValueError, match=r"Expected num_classes = 0 \(unconditional\) or >= 2"):
        G(num_classes=1, **g_kwargs)
    discriminator = D(num_classes=10, **d_kwargs)
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 1, 8, 8\), but got \(2, 64\)"):
        discriminator(torch.rand(2, 64), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"Expected class labels in \[0, 9\], but got values from 0 to 10"):
        discriminator(torch.rand(2, 1, 8, 8), torch.tensor([0, 10]))


def test_dcgan_needs_a_size_divisible_by_four():
    with pytest.raises(ValueError, match=r"Expected image_size divisible by 4 \(two stride-2 upsamplings\), but got 6"):
        DCGANGenerator(image_size=6)
    with pytest.raises(ValueError, match=r"Expected image_size divisible by 4 \(two stride-2 downsamplings\), but got 6"):
        DCGANDiscriminator(image_size=6)


def test_task_uses_manual_optimisation_without_optimizer_idx():
    task = GANTask(generator=MLPGenerator, discriminator=MLPDiscriminator)
    assert task.automatic_optimization is False
    assert "optimizer_idx" not in inspect.signature(task.training_step).parameters
    assert len(task.configure_optimizers()) == 2


def test_task_checks_its_arguments():
    with pytest.raises(ValueError, match="Expected generator and discriminator with the same num_classes, but got 10 and 0"):
        GANTask(generator=MLPGenerator, generator_kwargs={"num_classes": 10}, discriminator=MLPDiscriminator)
    with pytest.raises(ValueError, match="Expected a positive learning rate"):
        GANTask(generator=MLPGenerator, discriminator=MLPDiscriminator, lr=0)
    with pytest.raises(ValueError, match=r"Expected beta1 in \[0, 1\)"):
        GANTask(generator=MLPGenerator, discriminator=MLPDiscriminator, beta1=1.0)
    with pytest.raises(ValueError, match="Expected 4 labels, one per sample, but got 3"):
        GeneratedSamples(num_samples=4, labels=[0, 1, 2])
    with pytest.raises(ValueError, match="Expected every_n_epochs >= 1"):
        GeneratedSamples(every_n_epochs=0)


@pytest.mark.parametrize("family", FAMILIES)
def test_fast_dev_run_steps_both_networks_and_round_trips(tmp_path, family):
    G, g_kwargs, D, d_kwargs = FAMILIES[family]
    dm = gan_digits()
    task = GANTask(
        generator=G, generator_kwargs={"latent_dim": 8, **g_kwargs}, discriminator=D, discriminator_kwargs=d_kwargs
    )
    before = [p.detach().clone() for p in (next(task.generator.parameters()), next(task.discriminator.parameters()))]
    trainer = fit_fast_dev_run(task, dm)
    after = [next(task.generator.parameters()), next(task.discriminator.parameters())]
    assert all(not torch.equal(b, a.detach().cpu()) for b, a in zip(before, after)), "both optimisers must step"
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(trainer.callback_metrics)
    assert_checkpoint_round_trip(trainer, task, torch.randn(4, 8), tmp_path / "gan.ckpt")
    reloaded = GANTask.load_from_checkpoint(tmp_path / "gan.ckpt", map_location="cpu")
    assert torch.equal(reloaded.sample(4, seed=0), task.sample(4, seed=0))


def test_conditional_task_and_sample_callback(tmp_path):
    dm = gan_digits()
    task = GANTask(
        generator=MLPGenerator, generator_kwargs={"latent_dim": 8, "hidden_dims": (32,), "num_classes": 10},
        discriminator=MLPDiscriminator, discriminator_kwargs={"hidden_dims": (32,), "num_classes": 10},
    )
    samples = GeneratedSamples(num_samples=3, labels=[1, 2, 3], seed=0)
    trainer = make_trainer(max_epochs=1, limit_train_batches=2, callbacks=[samples], accelerator="cpu")
    trainer.fit(task, train_dataloaders=dm.train_dataloader())
    assert sorted(samples.samples) == [0, 1] and samples.samples[1].shape == (3, 1, 8, 8)
    assert not torch.equal(samples.samples[0], samples.samples[1])
    z, y = torch.randn(3, 8), torch.tensor([1, 2, 3])
    trainer.save_checkpoint(tmp_path / "cgan.ckpt")
    reloaded = GANTask.load_from_checkpoint(tmp_path / "cgan.ckpt", map_location="cpu").eval()
    task.eval()
    with torch.no_grad():
        assert torch.equal(task(z, y), reloaded(z, y))
    with pytest.raises(ValueError, match=r"Expected class labels in \[0, 9\], but got values from 0 to 12"):
        task.sample(2, labels=[0, 12], seed=0)
