"""The Serving page's two shell commands, run exactly as the page writes them (on a free port instead of 8501):
`python -m dlkit serve digits_cnn.ckpt ...` in the background, then `curl ... -d @digit.json`."""

from __future__ import annotations

import json
import os
import re
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


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_pages_commands_serve_and_answer(tmp_path, digits_checkpoint):
    serve, curl = bash_commands()[:2]
    shutil.copy(digits_checkpoint, tmp_path / "digits_cnn.ckpt")
    image = torch.linspace(-1, 1, 64).reshape(1, 8, 8)
    (tmp_path / "digit.json").write_text(json.dumps({"instances": [image.tolist()]}))
    port = str(free_port())
    serve_argv = [sys.executable if arg == "python" else arg for arg in shlex.split(serve.replace("8501", port))]
    process = subprocess.Popen(
        serve_argv, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process)
        answer = subprocess.run(
            shlex.split(curl.replace("8501", port)), cwd=tmp_path, capture_output=True, text=True, timeout=30,
            check=True,
        )
        probabilities = json.loads(answer.stdout)["predictions"]
        assert len(probabilities) == 1 and len(probabilities[0]) == 10
        assert abs(sum(probabilities[0]) - 1) < 1e-5
    finally:
        process.terminate()
        process.wait(timeout=20)
