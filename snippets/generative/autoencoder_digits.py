import pytorch_lightning as pl
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from dlkit.data import ArrayDataModule
from dlkit.models.autoencoder import Autoencoder
from dlkit.tasks.autoencoder import AutoencoderTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
digits = load_digits()
# Pixels scaled to [0, 1] (the decoder ends in a sigmoid);
# the same seeded, stratified split as DigitsDataModule.
datamodule = ArrayDataModule(
    x=digits.data / 16, y=digits.target, normalize=None, batch_size=128
)
x_train = datamodule.train_set.tensors[0]  # (1257, 64)
x_test = datamodule.test_set.tensors[0]  # (360, 64)

latent_dim = 4  # 64 pixels squeezed through 4 numbers
ae_task = AutoencoderTask(
    model=Autoencoder,
    model_kwargs={"in_features": 64, "latent_dim": latent_dim, "hidden_dims": (128,)},
    lr=3e-3,
)
make_trainer(max_epochs=30).fit(ae_task, datamodule=datamodule)
ae_error = ae_task.reconstruction_error(x_test).mean().item()

# The linear baseline: PCA keeps the best 4-dimensional
# *linear* subspace of the training digits.
pca = PCA(n_components=latent_dim).fit(x_train.numpy())
pca_reconstruction = pca.inverse_transform(pca.transform(x_test.numpy()))
pca_error = float(((pca_reconstruction - x_test.numpy()) ** 2).mean())
print(
    f"test reconstruction error (MSE) with {latent_dim} numbers: autoencoder "
    f"{ae_error:.4f}, PCA {pca_error:.4f}"
)
