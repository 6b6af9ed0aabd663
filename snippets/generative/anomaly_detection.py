import pytorch_lightning as pl
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset
from torchmetrics.classification import BinaryAUROC

from dlkit.data import ArrayDataModule
from dlkit.models.autoencoder import Autoencoder
from dlkit.tasks.autoencoder import AutoencoderTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
digits = load_digits()
datamodule = ArrayDataModule(
    x=digits.data / 16, y=digits.target, normalize=None, batch_size=128
)
x_train, y_train = datamodule.train_set.tensors
x_test, y_test = datamodule.test_set.tensors

normal = y_train <= 4  # "normal" data: only the digits 0-4 are seen in training
train_loader = DataLoader(TensorDataset(x_train[normal]), batch_size=128, shuffle=True)
detector = AutoencoderTask(
    model=Autoencoder,
    model_kwargs={"in_features": 64, "latent_dim": 4, "hidden_dims": (128,)},
    lr=3e-3,
)
make_trainer(max_epochs=40).fit(detector, train_dataloaders=train_loader)

# Anomaly score: how badly a test digit is reconstructed.
# Digits 5-9 (never seen) are the anomalies.
scores = detector.reconstruction_error(x_test).cpu()
is_anomaly = (y_test >= 5).long()
auroc = BinaryAUROC()(scores, is_anomaly).item()
print(f"ROC-AUC of the reconstruction error for spotting unseen digits: {auroc:.3f}")
