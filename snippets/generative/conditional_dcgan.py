import pytorch_lightning as pl
import torch
from sklearn.datasets import load_digits

from dlkit.callbacks import GeneratedSamples
from dlkit.data import ArrayDataModule
from dlkit.models.gan import DCGANDiscriminator, DCGANGenerator
from dlkit.tasks.gan import GANTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
digits = load_digits()
gan_data = ArrayDataModule(
    x=digits.data / 8 - 1,
    y=digits.target,
    normalize=None,
    batch_size=64,
    input_shape=(1, 8, 8),
)

cgan = GANTask(
    generator=DCGANGenerator,
    generator_kwargs={"latent_dim": 16, "base_channels": 16, "num_classes": 10},
    discriminator=DCGANDiscriminator,
    discriminator_kwargs={"base_channels": 16, "num_classes": 10},
    lr=2e-3,
)
requested = torch.arange(10).repeat(20)  # 0, 1, ..., 9, 0, 1, ...: 20 of each digit
cgan_samples = GeneratedSamples(num_samples=200, labels=requested.tolist(), seed=0)
make_trainer(max_epochs=8, callbacks=[cgan_samples]).fit(
    cgan, train_dataloaders=gan_data.train_dataloader()
)
