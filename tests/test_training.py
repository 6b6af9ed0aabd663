import logging
import warnings

import pytorch_lightning as pl
import torch

from dlkit.callbacks import History
from dlkit.data import DigitsDataModule
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer, quiet_lightning


def _run(max_epochs=2, **kwargs):
    pl.seed_everything(0, verbose=False)
    dm = DigitsDataModule(as_images=False, batch_size=128)
    task = ClassificationTask(model=MLP, model_kwargs={"in_features": 64, "out_features": 10, "hidden_dims": (32,)}, num_classes=10)
    history = History()
    trainer = make_trainer(max_epochs=max_epochs, callbacks=[history], **kwargs)
    trainer.fit(task, datamodule=dm)
    return task, history


def test_training_is_quiet(capsys, caplog):
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.INFO):
        warnings.simplefilter("always")
        _run()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not [r for r in caplog.records if r.name.startswith(("pytorch_lightning", "lightning"))]
    assert not [w for w in caught if "lightning" in str(w.filename).lower()], [str(w.message) for w in caught]


def test_progress_bar_on_request(capsys):
    _run(max_epochs=1, progress=True)
    assert "Epoch 0" in capsys.readouterr().out


def test_two_runs_give_identical_weights():
    (a, _), (b, _) = _run(), _run()
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_history_records_each_epoch():
    _, history = _run(max_epochs=3)
    assert len(history.epochs) == 3
    assert {"train_loss", "val_loss", "val_acc"} <= set(history.epochs[-1])
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_quiet_lightning_restores_logging_levels():
    logger = logging.getLogger("pytorch_lightning")
    before = logger.level
    with quiet_lightning():
        assert logger.level == logging.WARNING
    assert logger.level == before


def test_accelerator_switch(monkeypatch):
    monkeypatch.setenv("DLKIT_ACCELERATOR", "cpu")
    assert type(make_trainer().accelerator).__name__ == "CPUAccelerator"
