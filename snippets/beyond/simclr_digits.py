import pytorch_lightning as pl
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

from dlkit.tasks.contrastive import ContrastiveTask
from dlkit.training import make_trainer

digits = load_digits()
x = torch.tensor(digits.data / 16, dtype=torch.float32)  # (1797, 64), pixels in [0, 1]
y = digits.target
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, stratify=y,
                                                    random_state=0)

# Pretraining sees the 1,257 training images only, without their labels.
pl.seed_everything(0, verbose=False)
model_kwargs = {"in_features": 64, "hidden_dims": (256,), "rep_dim": 64, "proj_dim": 32}
simclr = ContrastiveTask(model="dlkit.models.simclr.SimCLRNet",
                         model_kwargs=model_kwargs, temperature=0.5, lr=3e-3)
unlabelled = DataLoader(TensorDataset(x_train), batch_size=256, shuffle=True,
                        drop_last=True)
make_trainer(max_epochs=60).fit(simclr, unlabelled)  # 4 batches per epoch
# The same network, untrained: its random features are the baseline the probe must beat.
random_net = ContrastiveTask(model="dlkit.models.simclr.SimCLRNet",
                             model_kwargs=model_kwargs)
