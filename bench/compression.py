"""Compression benchmark: the Efficient-inference page's table (size, latency, accuracy of a digits MLP in float32,
dynamic int8, static int8 calibrated on 256 digits, 80% magnitude-pruned and with half its units removed) and its int8 LSTM, run again and printed.

Writes bench/compression_results.md. Run: `.venv/bin/python bench/compression.py` (or `make bench`).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS_MD = ROOT / "bench" / "compression_results.md"


def run() -> str:
    import torch

    from dlkit.training import quiet_lightning

    torch.set_num_threads(1)  # latencies comparable from run to run: one thread, as the serving benchmark
    with quiet_lightning():
        mlp = runpy.run_path(str(ROOT / "snippets" / "deployment" / "compress_mlp.py"), run_name="bench")
        lstm = runpy.run_path(str(ROOT / "snippets" / "deployment" / "quantise_lstm.py"), run_name="bench")
    lines = [
        "| model | variant | non-zero parameters | size (kB) | zlib size (kB) | latency, 1 digit (ms) "
        "| latency, 256 digits (ms) | test accuracy |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in mlp["table"].items():
        lines.append(
            f"| MLP 64-256-256-10 | {name} | {row['nonzero']} | {row['kB']:.0f} | {row['zip kB']:.0f} "
            f"| {row['ms (1)']:.3f} | {row['ms (256)']:.3f} | {row['accuracy']:.3f} |"
        )
    x = lstm["x_rows"][:256]
    for name, net, kb, acc in (("float32", lstm["lstm"], lstm["lstm_kb"], lstm["lstm_acc"]),
                               ("int8 dynamic", lstm["lstm_int8"], lstm["lstm_int8_kb"], lstm["lstm_int8_acc"])):
        latency = lstm["latency_ms"](net, x)
        lines.append(f"| LSTM 8x8 rows, 64 units | {name} | - | {kb:.0f} | - | - | {latency:.3f} | {acc:.3f} |")
    table = "\n".join(lines) + "\n"
    RESULTS_MD.write_text(table)
    return table


if __name__ == "__main__":
    print(run())
