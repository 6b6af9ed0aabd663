import warnings

import pytorch_lightning as pl
import torch
from torch.ao.quantization import quantize_dynamic

from dlkit.data import DigitsDataModule
from dlkit.deploy.compression import latency_ms, model_bytes
from dlkit.models.rnn import RecurrentNetwork
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
row_digits = DigitsDataModule(as_images=False, batch_size=64)
lstm_task = ClassificationTask(  # reads a digit row by row: 8 steps of 8 pixels
    model=RecurrentNetwork,
    model_kwargs={
        "in_features": 8,
        "hidden_dim": 64,
        "out_features": 10,
        "cell": "lstm",
    },
    num_classes=10,
    lr=3e-3,
)


def rows(split: torch.utils.data.TensorDataset) -> torch.utils.data.TensorDataset:
    x, y = split.tensors
    return torch.utils.data.TensorDataset(
        x.reshape(-1, 8, 8), y
    )  # (N, 64) -> (N, T=8, 8)


train_rows, val_rows, test_rows = (
    rows(s) for s in (row_digits.train_set, row_digits.val_set, row_digits.test_set)
)
make_trainer(max_epochs=6).fit(
    lstm_task,
    train_dataloaders=torch.utils.data.DataLoader(
        train_rows, batch_size=64, shuffle=True
    ),
    val_dataloaders=torch.utils.data.DataLoader(val_rows, batch_size=256),
)
x_rows, y_rows = test_rows.tensors
lstm = lstm_task.net.eval()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # torch announces a move of quantisation to torchao
    lstm_int8 = quantize_dynamic(
        lstm, {torch.nn.LSTM, torch.nn.Linear}, dtype=torch.qint8
    )
with torch.inference_mode():
    lstm_acc = (lstm(x_rows).argmax(1) == y_rows).float().mean().item()
    lstm_int8_acc = (lstm_int8(x_rows).argmax(1) == y_rows).float().mean().item()
lstm_kb, lstm_int8_kb = model_bytes(lstm) / 1e3, model_bytes(lstm_int8) / 1e3
print(
    f"LSTM float32: {lstm_kb:.0f} kB, accuracy {lstm_acc:.3f}, "
    f"{latency_ms(lstm, x_rows[:256]):.2f} ms per 256 digits"
)
print(
    f"LSTM int8:    {lstm_int8_kb:.0f} kB, accuracy {lstm_int8_acc:.3f}, "
    f"{latency_ms(lstm_int8, x_rows[:256]):.2f} ms per 256 digits"
)
