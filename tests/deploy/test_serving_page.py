"""The Serving page's steps as written: train the digits CNN with the page's snippet, write digit.json with the
page's block, then its two shell commands exactly (on a free port instead of 8501): `python -m dlkit serve
digits_cnn.ckpt ...` in the background, then `curl ... -d @digit.json`."""

from __future__ import annotations

import json
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.deploy.conftest import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "deployment" / "serving.md"


def bash_commands() -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", PAGE.read_text(), re.S)]


def test_the_page_shows_the_serve_and_curl_commands():
    serve, curl = bash_commands()[:2]
    assert serve.startswith("python -m dlkit serve digits_cnn.ckpt") and "--port 8501" in serve
    assert curl.startswith("curl ") and "127.0.0.1:8501/v1/models/digits:predict" in curl and "@digit.json" in curl


def page_python_block(containing: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)
    (block,) = [b for b in blocks if containing in b]
    return block


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_pages_commands_serve_and_answer():
    """The page's steps as a new user follows them: train and save the digits CNN (the page's snippet), write
    digit.json (the page's next block), then run its `python -m dlkit serve` and `curl` lines in that folder."""
    include = page_python_block('--8<-- "snippets/deployment/train_digits_cnn.py"')
    assert include.strip() == '--8<-- "snippets/deployment/train_digits_cnn.py"'
    namespace = runpy.run_path(str(ROOT / "snippets" / "deployment" / "train_digits_cnn.py"))
    exec(page_python_block('(workdir / "digit.json").write_text'), namespace)
    workdir, cnn_task, image = namespace["workdir"], namespace["cnn_task"], namespace["image"]
    assert (workdir / "digits_cnn.ckpt").is_file() and (workdir / "digit.json").is_file()

    serve, curl = bash_commands()[:2]
    port = str(free_port())
    serve_argv = [sys.executable if arg == "python" else arg for arg in shlex.split(serve.replace("8501", port))]
    process = subprocess.Popen(
        serve_argv, cwd=workdir, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process)
        answer = subprocess.run(
            shlex.split(curl.replace("8501", port)), cwd=workdir, capture_output=True, text=True, timeout=30,
            check=True,
        )
    finally:
        process.terminate()
        process.wait(timeout=20)
    probabilities = torch.tensor(json.loads(answer.stdout)["predictions"])
    assert probabilities.shape == (1, 10)
    with torch.no_grad():  # the trained CNN's own probabilities for that digit
        expected = cnn_task.eval().predictions(cnn_task(image.unsqueeze(0)))
    torch.testing.assert_close(probabilities, expected)
