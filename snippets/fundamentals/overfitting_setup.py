import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from dlkit.data import ArrayDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

digits = load_digits()
# Few training images, a big network: the recipe for overfitting. 6% of the digits train, 25% validate.
datamodule = ArrayDataModule(
    x=digits.images, y=digits.target, task="classification", batch_size=256,
    val_fraction=0.25, test_fraction=0.69, normalize="global", input_shape=(1, 8, 8),
)
BIG_MLP = {"in_features": 64, "out_features": 10, "hidden_dims": (256, 256)}


def fit(model_kwargs=BIG_MLP, epochs=20, callbacks=(), **task_kwargs):
    """Train one ClassificationTask; return it with (train, validation) accuracy and loss, in eval mode."""
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(model=MLP, model_kwargs=model_kwargs, num_classes=10, lr=3e-3, **task_kwargs)
    trainer = make_trainer(max_epochs=epochs, callbacks=list(callbacks))
    trainer.fit(task, datamodule=datamodule)
    task.eval()
    scores = {}
    with torch.no_grad():
        for split, dataset in (("train", datamodule.train_set), ("val", datamodule.val_set)):
            x, y = (t.to(task.device) for t in dataset.tensors)
            logits = task(x)
            scores[f"{split}_acc"] = (logits.argmax(dim=1) == y).float().mean().item()
            scores[f"{split}_loss"] = F.cross_entropy(logits, y).item()
    scores["epochs"] = trainer.current_epoch
    return task, scores


def gap(scores):
    """How much worse the model does on unseen data: validation loss minus training loss."""
    return scores["val_loss"] - scores["train_loss"]


baseline_task, scores = fit()
results = {"none": scores}
print(f"{len(datamodule.train_set)} training images; no regularisation: train loss {scores['train_loss']:.4f}, "
      f"validation loss {scores['val_loss']:.3f}, gap {gap(scores):.3f}")
