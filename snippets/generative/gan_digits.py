import pytorch_lightning as pl
from sklearn.datasets import load_digits

from dlkit.callbacks import GeneratedSamples, History
from dlkit.data import ArrayDataModule
from dlkit.models.gan import MLPDiscriminator, MLPGenerator
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

gan = GANTask(
    generator=MLPGenerator,
    generator_kwargs={"latent_dim": 16, "hidden_dims": (128, 256)},
    discriminator=MLPDiscriminator,
    discriminator_kwargs={"hidden_dims": (256, 128)},
    lr=2e-3,
)
# the same 100 noise vectors after every epoch
gan_samples = GeneratedSamples(num_samples=100, seed=0)
gan_history = History()
make_trainer(max_epochs=20, callbacks=[gan_samples, gan_history]).fit(
    gan, train_dataloaders=gan_data.train_dataloader()
)
print(
    f"last epoch: D(real) = {gan_history['d_real'][-1]:.2f}, D(fake) = "
    f"{gan_history['d_fake'][-1]:.2f}"
)
