import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from dlkit.data import ArrayDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

# batches of at most 256 tiny images: extra CPU threads would only wait on each other
torch.set_num_threads(1)
digits = load_digits()
# Few training images, a big network: the recipe for overfitting. 6% of the
# digits train; 25% validate (what early stopping watches); the remaining
# 69% are the test split, used for no decision: every comparison below.
datamodule = ArrayDataModule(
    x=digits.images, y=digits.target, task="classification", batch_size=256,
    val_fraction=0.25, test_fraction=0.69, normalize="global", input_shape=(1, 8, 8),
)
BIG_MLP = {"in_features": 64, "out_features": 10, "hidden_dims": (256, 256)}


def fit(
    model_kwargs=BIG_MLP, epochs=20, callbacks=(), trainer_kwargs=None, **task_kwargs
):
    """Train one ClassificationTask from the same seed; return the trained task."""
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(
        model=MLP, model_kwargs=model_kwargs, num_classes=10, lr=3e-3, **task_kwargs
    )
    trainer = make_trainer(
        max_epochs=epochs, callbacks=list(callbacks), **(trainer_kwargs or {})
    )
    trainer.fit(task, datamodule=datamodule)
    return task


def scores(task):
    """Cross-entropy and accuracy on the training and the test split, in evaluation
    mode."""
    task.eval()
    result = {}
    with torch.no_grad():
        for split, dataset in (
            ("train", datamodule.train_set),
            ("test", datamodule.test_set),
        ):
            x, y = (t.to(task.device) for t in dataset.tensors)
            logits = task(x)
            result[f"{split}_acc"] = (logits.argmax(dim=1) == y).float().mean().item()
            result[f"{split}_loss"] = F.cross_entropy(logits, y).item()
    return result


baseline_task = fit()
results = {"none": scores(baseline_task)}
print(
    f"{len(datamodule.train_set)} training and {len(datamodule.test_set)} test images; "
    f"no regularisation: train loss {results['none']['train_loss']:.4f}, test loss "
    f"{results['none']['test_loss']:.3f}"
)
