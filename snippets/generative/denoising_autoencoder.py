import pytorch_lightning as pl
from sklearn.datasets import load_digits

from dlkit.data import ArrayDataModule
from dlkit.models.autoencoder import Autoencoder
from dlkit.tasks.autoencoder import AutoencoderTask, add_noise
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
digits = load_digits()
datamodule = ArrayDataModule(
    x=digits.data / 16, y=digits.target, normalize=None, batch_size=128
)
x_test = datamodule.test_set.tensors[0]

# the training task corrupts every batch afresh:
# x + 0.3 * N(0, 1), and scores against clean x
noise_std = 0.3
denoiser = AutoencoderTask(
    model=Autoencoder,
    model_kwargs={"in_features": 64, "latent_dim": 16, "hidden_dims": (128,)},
    noise_std=noise_std,
    lr=3e-3,
)
make_trainer(max_epochs=30).fit(denoiser, datamodule=datamodule)

# test digits the network never saw, with fresh noise
noisy_test = add_noise(x_test, noise_std, seed=1)
denoised_test = denoiser(noisy_test.to(denoiser.device)).detach().cpu()
noisy_error = ((noisy_test - x_test) ** 2).mean().item()
denoised_error = ((denoised_test - x_test) ** 2).mean().item()
print(
    f"MSE to the clean digits: noisy input {noisy_error:.4f}, denoised output "
    f"{denoised_error:.4f}"
)
