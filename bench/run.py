"""`make bench`: whole-suite wall time (the two steps of `make test`), per-page time (slowest first), Trainer
overhead vs a plain loop, the serving benchmark (bench/serving.py: requests/s, p50/p99 at 1/8/32 clients,
one-at-a-time vs dynamic batching vs ONNX Runtime) and the compression table (bench/compression.py).

Writes bench/results/latest.json, bench/serving_results.{json,md} and bench/compression_results.md, and prints a
summary. Timings are measured here, never asserted in tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "results"


def suite_times() -> dict:
    """The suite as `make test` runs it (its two steps: everything but the site tests on WORKERS pytest-xdist
    processes at one thread each, then the site tests), timed, with each file's test time from JUnit reports."""
    OUT.mkdir(parents=True, exist_ok=True)
    workers = os.environ.get("WORKERS", "2")
    steps = {
        "pages and unit tests": (["-n", workers, "--dist", "loadfile", "-m", "not site"],
                                 {"DLKIT_THREADS": "1", "OMP_NUM_THREADS": "1"}),
        "site": (["tests/site", "-m", "site"], {}),
    }
    per_file: dict[str, float] = defaultdict(float)
    walls, exit_code = {}, 0
    for i, (step, (args, env)) in enumerate(steps.items()):
        report = OUT / f"suite-{i}.xml"
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *args], cwd=ROOT,
                                env={**os.environ, **env})
        walls[step] = time.perf_counter() - start
        exit_code = exit_code or result.returncode
        for case in ET.parse(report).iter("testcase"):
            classname = case.get("classname", "")
            if classname.endswith(".md"):  # a Sybil page example: "docs.architectures.feed-forward.md"
                name = classname[: -len(".md")].replace(".", "/") + ".md"
            else:
                name = case.get("file") or classname.replace(".", "/") + ".py"
            per_file[name] += float(case.get("time", 0))
    pages = sorted(((f, t) for f, t in per_file.items() if f.endswith(".md")), key=lambda kv: -kv[1])
    return {"exit_code": exit_code, "wall_seconds": sum(walls.values()), "step_seconds": walls, "workers": workers,
            "pages": pages, "files": dict(per_file)}


def main() -> None:
    from bench import compression, serving
    from bench.trainer_overhead import run as trainer_overhead

    suite = suite_times()
    overhead = trainer_overhead()
    results = {"suite": suite, "trainer_overhead": overhead}
    (OUT / "latest.json").write_text(json.dumps(results, indent=2))
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in suite["step_seconds"].items())
    print(f"\nwhole suite, as make test runs it ({suite['workers']} processes): {suite['wall_seconds']:.1f} s "
          f"({steps}; exit {suite['exit_code']})")
    print("per page, slowest first:")
    for page, seconds in suite["pages"]:
        print(f"  {seconds:6.1f} s  {page}")
    med = overhead["median_seconds"]
    print(
        f"CNN digits, {overhead['epochs']} epochs, median of {overhead['repeats']} interleaved runs: "
        f"plain loop {med['plain']:.2f} s, dlkit Trainer {med['dlkit']:.2f} s, "
        f"ratio {overhead['ratio_dlkit_over_plain']:.2f}x (CPU time: {overhead['cpu_ratio_dlkit_over_plain']:.2f}x); "
        f"final val_acc plain {overhead['final_metrics']['plain']['val_acc']:.4f}, "
        f"dlkit {overhead['final_metrics']['dlkit']['val_acc']:.4f} (largest relative difference of the final "
        f"metrics: {overhead['max_relative_difference_of_final_metrics']:.1e})"
    )
    serving.run()
    print("\nserving (bench/serving_results.md):")
    print(serving.RESULTS_MD.read_text())
    print("compression (bench/compression_results.md):")
    print(compression.run())


if __name__ == "__main__":
    main()
