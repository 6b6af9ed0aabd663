import pytorch_lightning as pl
import torch
from sklearn.datasets import load_breast_cancer

from dlkit.data import ArrayDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

x, y = load_breast_cancer(return_X_y=True)  # 569 tumours, 30 measurements each
# scikit-learn codes malignant as 0: make it 1, the "positive" class we must find
y = 1 - y

pl.seed_everything(0, verbose=False)
# stratified 70/10/20 split
cancer = ArrayDataModule(x=x, y=y, task="classification", batch_size=64, seed=0)
task = ClassificationTask(
    model=MLP,
    model_kwargs={"in_features": 30, "out_features": 2, "hidden_dims": (32,)},
    num_classes=2,
    lr=3e-3,
)
trainer = make_trainer(max_epochs=15)
trainer.fit(task, datamodule=cancer)

# the test split, (114, 2), returned on the CPU
logits = torch.cat(trainer.predict(task, datamodule=cancer))
probabilities = logits.softmax(dim=1)[:, 1]  # P(malignant) for each test tumour, (114,)
predictions = logits.argmax(dim=1)  # the predicted class: 1 = malignant, 0 = benign
y_test = cancer.test_set.tensors[1]  # the true classes, in the same order
print(f"{len(y_test)} test tumours, {int(y_test.sum())} malignant")
