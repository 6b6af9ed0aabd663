import pytorch_lightning as pl
from sklearn.datasets import load_digits

from dlkit.callbacks import History
from dlkit.data import ArrayDataModule
from dlkit.models.vae import VAE
from dlkit.tasks.vae import VAETask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
digits = load_digits()
# Pixels binarised (grey level 8 of 16 or more -> 1, else 0): the decoder
# models each as a Bernoulli variable, so p(x | z) is a probability over
# the 2^64 black-and-white images and the ELBO a lower bound on log p(x).
pixels = (digits.data >= 8).astype("float32")
datamodule = ArrayDataModule(x=pixels, y=digits.target, normalize=None, batch_size=128)
x_test, y_test = datamodule.test_set.tensors

vae_task = VAETask(
    model=VAE,
    model_kwargs={"in_features": 64, "latent_dim": 2, "hidden_dims": (256,)},
    lr=3e-3,
)
history = History()  # the reconstruction and KL terms of every epoch
trainer = make_trainer(max_epochs=40, callbacks=[history])
trainer.fit(vae_task, datamodule=datamodule)
test = trainer.test(vae_task, datamodule=datamodule, verbose=False)[0]
print(
    f"test ELBO {test['test_elbo']:.1f} nats per digit = -(reconstruction "
    f"{test['test_recon']:.1f} + KL {test['test_kl']:.1f})"
)
