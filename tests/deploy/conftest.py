"""A small trained-looking digits CNN checkpoint and a running `python -m dlkit serve` on it, shared by the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import pytorch_lightning as pl

from dlkit.tasks import ClassificationTask

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def save_task(task: pl.LightningModule, path: Path) -> Path:
    trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.strategy.connect(task)
    trainer.save_checkpoint(path, weights_only=True)
    return path


def wait_until_up(url: str, process: subprocess.Popen | None = None, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {process.stdout.read()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"no server answered at {url} within {timeout} s")


@pytest.fixture(scope="session")
def digits_checkpoint(tmp_path_factory) -> Path:
    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(
        model="dlkit.models.cnn.CNN",
        model_kwargs={"in_channels": 1, "num_classes": 10, "image_size": 8, "channels": (8, 16)},
        num_classes=10,
    )
    return save_task(task, tmp_path_factory.mktemp("ckpt") / "digits_cnn.ckpt")


@pytest.fixture(scope="session")
def server(digits_checkpoint) -> str:
    """`python -m dlkit serve digits_cnn.ckpt --name digits` in a subprocess on 127.0.0.1; yields its URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "dlkit", "serve", str(digits_checkpoint), "--name", "digits", "--port", str(port),
         "--max-instances", "16", "--max-body-bytes", "200000", "--threads", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
