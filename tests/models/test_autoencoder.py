import pytest
import torch
from sklearn.datasets import load_digits

from dlkit.data import ArrayDataModule
from dlkit.models.autoencoder import Autoencoder
from dlkit.models.latent import check_samples
from dlkit.tasks.autoencoder import AutoencoderTask, add_noise
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def unit_digits() -> ArrayDataModule:
    digits = load_digits()
    return ArrayDataModule(x=digits.data / 16, y=digits.target, normalize=None, batch_size=64)


def test_forward_shape_keeps_the_input_shape():
    net = Autoencoder(in_features=64, latent_dim=3, hidden_dims=(32, 16))
    for shape in [(4, 64), (4, 1, 8, 8)]:
        x = torch.rand(*shape)
        assert net(x).shape == shape
        assert net.encode(x).shape == (4, 3)
    assert net.decode(torch.zeros(2, 3)).shape == (2, 64)


@pytest.mark.parametrize("activation, low, high", [("sigmoid", 0, 1), ("tanh", -1, 1)])
def test_output_activation_bounds_the_reconstruction(activation, low, high):
    out = Autoencoder(in_features=8, latent_dim=2, output_activation=activation)(100 * torch.randn(50, 8))
    assert out.min() >= low and out.max() <= high


@pytest.mark.parametrize("shape", [(64,), (2, 63), (2, 1, 8, 7)], ids=["rank1", "features", "image-size"])
def test_bad_input_is_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"Expected a batch of shape \(N, 64\) or \(N, ...\) with 64 values per sample"):
        Autoencoder(in_features=64, latent_dim=4)(torch.rand(*shape))
    with pytest.raises(ValueError, match="values per sample"):
        check_samples(torch.rand(*shape), 64)


def test_bad_codes_and_arguments():
    net = Autoencoder(in_features=64, latent_dim=4)
    with pytest.raises(ValueError, match=r"Expected codes of shape \(N, 4\), but got \(2, 5\)"):
        net.decode(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="Expected latent_dim >= 1, but got 0"):
        Autoencoder(latent_dim=0)
    with pytest.raises(ValueError, match="Expected output_activation to be one of"):
        Autoencoder(output_activation="softmax")
    with pytest.raises(ValueError, match="Expected noise_std >= 0, but got -0.1"):
        AutoencoderTask(model=Autoencoder, noise_std=-0.1)
    with pytest.raises(ValueError, match="Expected optimizer to be one of"):
        AutoencoderTask(model=Autoencoder, optimizer="nope")


def test_add_noise_is_seeded_and_scaled():
    x = torch.zeros(2000, 8)
    assert torch.equal(add_noise(x, 0.3, seed=5), add_noise(x, 0.3, seed=5))
    assert not torch.equal(add_noise(x, 0.3, seed=5), add_noise(x, 0.3, seed=6))
    assert abs(add_noise(x, 0.3, seed=5).std().item() - 0.3) < 0.01
    assert torch.equal(add_noise(x, 0.0), x)


def test_denoising_task_scores_against_the_clean_input():
    torch.manual_seed(0)
    task = AutoencoderTask(model=Autoencoder, model_kwargs={"in_features": 8, "latent_dim": 2}, noise_std=0.5)
    x = torch.rand(16, 8)
    torch.manual_seed(1)
    inputs, targets = task.inputs_and_targets(x, "train", 0)  # (x + noise, x)
    loss = task.losses(task.network_outputs(inputs), targets)["loss"]
    torch.manual_seed(1)
    by_hand = ((task(x + 0.5 * torch.randn_like(x)) - x) ** 2).mean()
    assert torch.allclose(loss, by_hand)
    assert task.reconstruction_error(x).shape == (16,)


@pytest.mark.parametrize("noise_std", [0.0, 0.3], ids=["plain", "denoising"])
def test_fast_dev_run_and_checkpoint_round_trip(tmp_path, noise_std):
    dm = unit_digits()
    task = AutoencoderTask(
        model=Autoencoder, model_kwargs={"in_features": 64, "latent_dim": 4, "hidden_dims": (32,)}, noise_std=noise_std
    )
    trainer = fit_fast_dev_run(task, dm)
    assert {"train_loss", "val_loss"} <= set(trainer.callback_metrics)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:16], tmp_path / "ae.ckpt")
    reloaded = AutoencoderTask.load_from_checkpoint(tmp_path / "ae.ckpt", map_location="cpu")
    assert reloaded.hparams.noise_std == noise_std
