"""Serving benchmark: requests/s and p50/p99 latency at 1, 8 and 32 concurrent clients, for one request per
forward pass, dynamic batching, and dynamic batching with ONNX Runtime, all behind `python -m dlkit serve`.

The server runs in its own process (one model thread); the clients are asyncio tasks in this process speaking
HTTP/1.1 over keep-alive connections with a minimal hand-written client (a few microseconds per request, so the
clients take as little of the machine's CPU as possible). Each client sends one digit per request, waits for the
answer, and sends the next, for DURATION seconds after a warm-up; the three set-ups take turns, REPEATS times, and each cell reports
its median run (the machine may be busy with other work: taking turns spreads that over all set-ups alike).

Writes bench/serving_results.json and bench/serving_results.md (the table the Serving page shows).
Run: `.venv/bin/python bench/serving.py` (or `make bench`, which runs it with the other benchmarks).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS_JSON = ROOT / "bench" / "serving_results.json"
RESULTS_MD = ROOT / "bench" / "serving_results.md"
MODES = {"one-at-a-time": [], "batching": ["--batching"], "batching+onnx": ["--batching", "--onnx"]}
CLIENTS = (1, 8, 32)
DURATION, WARMUP, REPEATS = 3.0, 0.5, 3


# Two digit classifiers (their weights do not change their speed): the Serving page's CNN, whose forward pass on one
# digit (~0.35 ms) costs less than the HTTP and JSON work around it, and a 4-block ViT (~1.6 ms), for which the
# forward pass dominates, as it does for most real models.
MODELS = {
    "digits CNN": ("dlkit.models.cnn.CNN", {"in_channels": 1, "num_classes": 10, "image_size": 8, "channels": (16, 32)}),
    "digits ViT": ("dlkit.models.vit.ViT", {"in_channels": 1, "num_classes": 10, "image_size": 8, "patch_size": 4,
                                            "d_model": 64, "num_layers": 4, "num_heads": 4}),
}


def make_checkpoint(folder: Path, model: str, model_kwargs: dict) -> Path:
    """An untrained classifier saved as a checkpoint, as `python -m dlkit serve` reads it."""
    import pytorch_lightning as pl

    from dlkit.tasks import ClassificationTask
    from dlkit.training import quiet_lightning

    pl.seed_everything(0, verbose=False)
    task = ClassificationTask(model=model, model_kwargs=model_kwargs, num_classes=10)
    with quiet_lightning():  # no banners in the benchmark's output
        trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.strategy.connect(task)
    path = folder / f"{model.rsplit('.', 1)[1].lower()}.ckpt"
    trainer.save_checkpoint(path, weights_only=True)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def one_client(port: int, request: bytes, stop_at: float, record_from: float, latencies: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            start = time.perf_counter()
            if start >= stop_at:
                break
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"the server answered {head[:40]!r}: {body[:200]!r}")
            if start >= record_from:
                latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


async def load(port: int, clients: int, request: bytes) -> dict:
    now = time.perf_counter()
    record_from, stop_at = now + WARMUP, now + WARMUP + DURATION
    latencies: list[float] = []
    await asyncio.gather(*(one_client(port, request, stop_at, record_from, latencies) for _ in range(clients)))
    ms = np.array(latencies) * 1000
    return {
        "requests_per_second": len(ms) / DURATION,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "requests": len(ms),
    }


def start_server(checkpoint: Path, flags: list[str]) -> tuple[subprocess.Popen, int]:
    import httpx

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "dlkit", "serve", str(checkpoint), "--name", "digits", "--port", str(port),
         "--threads", "1", *flags],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server, port
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)


def measure_model(checkpoint: Path, request_body: bytes) -> dict:
    """All three set-ups at once (one server each), measured in turns, REPEATS times: each cell's median run.

    Taking turns spreads whatever else the machine is doing over the three set-ups alike."""
    servers = {mode: start_server(checkpoint, flags) for mode, flags in MODES.items()}
    try:
        request = (
            f"POST /v1/models/digits:predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(request_body)}\r\n\r\n"
        ).encode() + request_body
        runs: dict[str, dict[str, list[dict]]] = {mode: {str(c): [] for c in CLIENTS} for mode in MODES}
        for _ in range(REPEATS):
            for clients in CLIENTS:
                for mode, (_, port) in servers.items():
                    runs[mode][str(clients)].append(asyncio.run(load(port, clients, request)))
        return {
            mode: {c: sorted(cell, key=lambda r: r["requests_per_second"])[len(cell) // 2] for c, cell in by.items()}
            for mode, by in runs.items()
        }
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(timeout=30)


def markdown_table(summary: dict) -> str:
    lines = [
        "| model | set-up | clients | requests/s | p50 latency (ms) | p99 latency (ms) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for model, by_mode in summary["results"].items():
        for mode, by_clients in by_mode.items():
            for clients, r in by_clients.items():
                lines.append(
                    f"| {model} | {mode} | {clients} | {r['requests_per_second']:.0f} | {r['p50_ms']:.1f} "
                    f"| {r['p99_ms']:.1f} |"
                )
    lines.append("")
    for model, speedup in summary["speedup_batching_over_one_at_a_time"].items():
        ratios = ", ".join(f"{ratio:.2f}× at {clients}" for clients, ratio in speedup.items())
        lines.append(f"{model}: dynamic batching over one request at a time, requests/s: {ratios} clients.  ")
    lines.append(
        f"Measured on {summary['machine']}; each cell the median of {summary['repeats']} runs of "
        f"{summary['seconds_per_cell']:.0f} s, the set-ups taking turns."
    )
    return "\n".join(lines) + "\n"


def run() -> dict:
    rng = np.random.default_rng(0)
    body = json.dumps({"instances": [rng.normal(size=(1, 8, 8)).round(4).tolist()]}).encode()
    results, speedup = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for name, (model, model_kwargs) in MODELS.items():
            checkpoint = make_checkpoint(Path(folder), model, model_kwargs)
            results[name] = measure_model(checkpoint, body)
            speedup[name] = {
                str(c): results[name]["batching"][str(c)]["requests_per_second"]
                / results[name]["one-at-a-time"][str(c)]["requests_per_second"]
                for c in CLIENTS
            }
    summary = {
        "what": "digit classifiers behind python -m dlkit serve, one model thread, one digit per request",
        "models": {name: {"model": m, "model_kwargs": kw} for name, (m, kw) in MODELS.items()},
        "seconds_per_cell": DURATION,
        "repeats": REPEATS,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end",
        "results": results,
        "speedup_batching_over_one_at_a_time": speedup,
    }
    RESULTS_JSON.write_text(json.dumps(summary, indent=2) + "\n")
    RESULTS_MD.write_text(markdown_table(summary))
    return summary


if __name__ == "__main__":
    summary = run()
    print(RESULTS_MD.read_text())
