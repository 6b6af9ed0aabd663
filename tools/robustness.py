"""The robustness sweep: every claim of the site under several seed offsets and thread counts (``make robustness``).

Each **run** is one seed offset and one thread count (``tests/seed_shift.py``: every seed a page uses moves by the
offset). A run executes, in pieces that can be resumed:

- the page examples (``docs``) and the docstring examples (``dlkit``) with pytest + Sybil, ``-p tests.seed_shift``;
  with pytest-xdist, ``-n <cores // threads> --dist loadfile`` (a page's examples stay in one worker, in order);
- each notebook (``docs/projects/*.py``), executed cell by cell as a script with the same seed shift and its
  ``assert`` claims recorded (``tools.robustness notebook``).

Each run writes ``.robustness/runs/offset<k>-threads<n>/`` (gitignored): ``pages.json`` (the suite's verification
results with every claim's values and margin), ``notebooks.json``, ``figures/`` and ``meta.json`` (which pieces
finished, their wall time). A piece already finished is skipped, so an interrupted sweep continues where it
stopped; ``--force`` reruns. ``aggregate`` then merges all runs into the committed report ``docs/robustness.json``:
per page "N claims, held in k of K runs", per claim how many runs it held in, its smallest and median margin and
the values measured in each run. The site's Verification page and each page's stamp show it.

Usage::

    python -m tools.robustness run                       # offsets 0-4 x threads 1, 4 (10 runs), then aggregate
    python -m tools.robustness run --offsets 0 1 --threads 1 docs/fundamentals/losses.md   # a piece of it
    python -m tools.robustness aggregate                 # rewrite docs/robustness.json from the runs on disk
"""

from __future__ import annotations

import argparse
import json
import os
import re
import platform
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / ".robustness" / "runs"
REPORT = ROOT / "docs" / "robustness.json"
DEFAULT_OFFSETS = (0, 1, 2, 3, 4)
DEFAULT_THREADS = (1, 4)
DEFAULT_PATHS = ("docs", "dlkit")
NOTEBOOKS = "docs/projects"


def run_name(offset: int, threads: int) -> str:
    return f"offset{offset}-threads{threads}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def xdist_available() -> bool:
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False
    return True


def workers_for(threads: int, requested: str) -> int:
    """``auto``: as many workers as fit the cores at ``threads`` each (1 without pytest-xdist)."""
    if requested != "auto":
        return max(1, int(requested))
    if not xdist_available():
        return 1
    return max(1, cores() // threads)


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return default


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    os.replace(partial, path)


def notebook_paths() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / NOTEBOOKS).glob("*.py"))


# ----------------------------------------------------------------------------------------------------------------
# One run


def run_env(offset: int, threads: int, out: Path) -> dict[str, str]:
    return {
        **os.environ, "DLKIT_SEED_OFFSET": str(offset), "DLKIT_THREADS": str(threads),
        "DLKIT_VERIFICATION_RESULTS": str(out / "pages.json"), "DLKIT_GENERATED_DIR": str(out / "figures"),
        "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1",
    }


def run_piece(piece: str, offset: int, threads: int, workers: int, out: Path, timeout: int) -> dict[str, Any]:
    """Run one piece (a pytest path, or a notebook file) of a run; returns its exit code and wall time."""
    env = run_env(offset, threads, out)
    if piece.startswith(NOTEBOOKS + "/") and piece.endswith(".py"):
        command = [sys.executable, "-m", "tools.robustness", "notebook", piece,
                   "--results", str(out / "notebooks.json")]
    else:
        command = [sys.executable, "-m", "pytest", "-p", "tests.seed_shift", piece, "-q", "--tb=line",
                   "-p", "no:cacheprovider", f"--timeout={timeout}",
                   f"--ignore={NOTEBOOKS}"]  # the notebooks are pieces of their own, run as scripts (below)
        if workers > 1:
            command += ["-n", str(workers), "--dist", "loadfile"]
    start = time.perf_counter()
    log = out / f"{piece.replace('/', '_')}.log"
    out.mkdir(parents=True, exist_ok=True)
    with log.open("w") as handle:
        code = subprocess.run(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT).returncode
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    return {"exit_code": code, "seconds": round(time.perf_counter() - start, 1), "workers": workers,
            "commit": commit.strip() or "unknown",
            "finished_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def run_sweep(offsets: Sequence[int], threads_list: Sequence[int], pieces: Sequence[str], workers: str,
              force: bool, timeout: int) -> None:
    for threads in threads_list:
        for offset in offsets:
            out = RUNS / run_name(offset, threads)
            meta = _read_json(out / "meta.json", {"offset": offset, "threads": threads, "pieces": {}})
            for piece in pieces:
                if piece in meta["pieces"] and not force:
                    print(f"{run_name(offset, threads)} {piece}: done before, skipped (--force reruns)", flush=True)
                    continue
                count = workers_for(threads, workers) if not piece.startswith(NOTEBOOKS) else 1
                print(f"{run_name(offset, threads)} {piece}: running ({count} worker(s))...", flush=True)
                result = run_piece(piece, offset, threads, count, out, timeout)
                if result["exit_code"] not in (0, 1):  # 0: all held, 1: something failed (recorded); else it broke
                    print(f"  exit {result['exit_code']}: the piece did not finish (see {out.name}/*.log); "
                          "it will run again next time", flush=True)
                    continue
                meta["pieces"][piece] = result
                meta.update(cpu=cpu_model(), cores=cores())
                _write_json(out / "meta.json", meta)
                print(f"  exit {result['exit_code']} in {result['seconds']} s", flush=True)


# ----------------------------------------------------------------------------------------------------------------
# A notebook as a script, cell by cell, with its asserts recorded as claims


def cells(text: str) -> list[tuple[int, str, bool]]:
    """``(first line, source, is_code)`` for each ``# %%`` cell of a Jupytext percent-format file."""
    found: list[tuple[int, list[str], bool]] = [(1, [], False)]  # the header
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# %%"):
            found.append((number, [line], "[markdown]" not in line and "[md]" not in line))
        else:
            found[-1][1].append(line)
    return [(start, "\n".join(lines), code) for start, lines, code in found if lines]


def run_notebook(path: str, results: Path) -> int:
    """Execute a notebook's code cells in order with the seed shift; record each cell and every claim.

    A cell whose ``assert`` fails is counted as failed and the next cells still run (they seldom depend on
    the failed check), so one broken claim does not hide the others; any other error stops the notebook.
    """
    import tests.seed_shift as seed_shift
    from tests import claims
    from tests.verification import device, run_settings, summarise_claims, _version

    seed_shift.install()
    threads = os.environ.get("DLKIT_THREADS", "").strip()
    import torch

    if threads:
        torch.set_num_threads(int(threads))
    file = ROOT / path
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(file)}
    claims.install(namespace)
    entry: dict[str, Any] = {"kind": "notebook cells", "examples": 0, "passed": 0, "failed": 0, "skipped": 0,
                             "skip_reasons": [], "failures": [], "claims": []}
    start = time.perf_counter()
    stopped = False
    for line, source, is_code in cells(file.read_text()):
        if not is_code:
            continue
        entry["examples"] += 1
        if stopped:
            entry["skipped"] += 1
            entry["skip_reasons"].append(f"cell at line {line}: an earlier cell raised")
            continue
        try:
            exec(claims.compile_with_claims("\n" * (line - 1) + source, str(file)), namespace)  # noqa: S102
            entry["passed"] += 1
        except AssertionError as error:
            entry["failed"] += 1
            entry["failures"].append({"line": line, "message": str(error).splitlines()[0] if str(error) else
                                      "AssertionError"})
        except Exception as error:  # noqa: BLE001 - reported, and the notebook stops as a kernel run would
            entry["failed"] += 1
            entry["failures"].append({"line": line, "message": f"{type(error).__name__}: {error}"})
            traceback.print_exc()
            stopped = True
        finally:
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
    entry["claims"] = claims.LOG.drain()
    entry.update(summarise_claims(entry["claims"]), seconds=round(time.perf_counter() - start, 2), device=device(),
                 torch=_version("torch"), lightning=_version("pytorch-lightning"),
                 run_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                 runner="tools/robustness.py (the notebook as a script)", **run_settings())
    merged = _read_json(results, {"entries": {}})
    merged["entries"][path] = entry
    _write_json(results, merged)
    print(f"{path}: {entry['passed']} of {entry['examples']} cells passed, "
          f"{entry['claims_held']} of {entry['claims_total']} claims held")
    return 1 if entry["failed"] else 0


# ----------------------------------------------------------------------------------------------------------------
# Aggregate


SNIPPET = re.compile(r"""--8<--\s+["']([^"':]+)""")


def piece_commit(path: str, pieces: dict[str, Any]) -> str | None:
    """The commit of the latest piece of a run that ran ``path`` (a piece is a file or a folder above it)."""
    covering = [info for piece, info in pieces.items() if path == piece or path.startswith(piece.rstrip("/") + "/")]
    covering.sort(key=lambda info: info.get("finished_at", ""))
    return covering[-1].get("commit") if covering else None


def changed_since(commit: str, path: str, cache: dict[tuple[str, str], bool]) -> bool:
    """Whether ``path`` or a snippet it includes differs between ``commit`` and the working tree."""
    if (commit, path) not in cache:
        files = [path]
        if path.endswith(".md") and (ROOT / path).exists():
            files += SNIPPET.findall((ROOT / path).read_text())
        result = subprocess.run(["git", "diff", "--quiet", commit, "--", *files], cwd=ROOT, capture_output=True)
        cache[(commit, path)] = result.returncode == 1  # 0: unchanged; other codes (commit unknown): kept
    return cache[(commit, path)]


def load_runs(runs: Path = RUNS) -> list[dict[str, Any]]:
    """Every run on disk: its settings, pieces and the entries of its pages, docstrings and notebooks.

    An entry whose page (or a snippet it includes) changed after the commit that ran it is left out: its claims
    sit at other lines or say other things now, so only the runs of a page's current text are counted together.
    """
    loaded, cache = [], {}
    for directory in sorted(runs.glob("offset*-threads*")):
        meta = _read_json(directory / "meta.json", None)
        if meta is None or not meta.get("pieces"):
            continue
        entries = {**_read_json(directory / "pages.json", {"entries": {}})["entries"],
                   **_read_json(directory / "notebooks.json", {"entries": {}})["entries"]}
        stale = [path for path in entries
                 if (commit := piece_commit(path, meta["pieces"])) and changed_since(commit, path, cache)]
        for path in stale:
            del entries[path]
        if stale:
            print(f"{directory.name}: {len(stale)} entries ran an older version of their page and are left out",
                  flush=True)
        loaded.append({"name": directory.name, "meta": meta, "entries": entries})
    loaded.sort(key=lambda run: (run["meta"]["threads"], run["meta"]["offset"]))
    return loaded


def _short(value: Any) -> Any:
    """Six significant digits: what a threshold is set from, and a report whose diffs can be read."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    return value


def _claim_key(claim: dict[str, Any]) -> str:
    return f"{claim['file']}:{claim['line']}:{claim['source']}"


def aggregate_page(runs: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """One page over the runs it ran in: per claim held-count, margins, values; runs in which everything held."""
    names = [name for name, _ in runs]
    table: dict[str, dict[str, Any]] = {}
    failures = []
    runs_all_held = 0
    for index, (name, entry) in enumerate(runs):
        run_claims = entry.get("claims", [])
        if not entry.get("failed") and all(c["held"] for c in run_claims):
            runs_all_held += 1
        for failure in entry.get("failures", []):
            failures.append({"run": name, **failure})
        for claim in run_claims:
            row = table.setdefault(_claim_key(claim), {
                "file": claim["file"], "line": claim["line"], "source": claim["source"], "kind": claim["kind"],
                "held": 0, "margins": [None] * len(runs), "values": {}, "failed_runs": [],
            })
            row["held"] += bool(claim["held"])
            row["margins"][index] = claim.get("margin")
            for src, value in claim.get("values", {}).items():
                row["values"].setdefault(src, [None] * len(runs))[index] = _short(value)
            if not claim["held"]:
                row["failed_runs"].append({"run": name, "explanation": claim.get("explanation", "")})
    rows = []
    for row in table.values():
        present = [m for m in row["margins"] if m is not None]
        key = _claim_key(row)
        reached = sum(1 for _, entry in runs if any(_claim_key(c) == key for c in entry.get("claims", [])))
        rows.append({
            **{k: row[k] for k in ("file", "line", "source", "kind", "held", "failed_runs", "values", "margins")},
            "runs": len(runs), "reached": reached,
            "min_margin": min(present) if present else None,
            "median_margin": round(statistics.median(present), 6) if present else None,
        })
    rows.sort(key=lambda r: (r["held"] - r["runs"], r["min_margin"] if r["min_margin"] is not None else float("inf"),
                             r["file"], r["line"]))
    return {
        "runs": len(runs), "run_names": names, "runs_all_held": runs_all_held, "claims": len(rows),
        "claims_always_held": sum(r["held"] == r["runs"] for r in rows),
        "examples": max((entry.get("examples", 0) for _, entry in runs), default=0),
        "failures": failures, "claim_table": rows,
    }


def aggregate(runs_dir: Path = RUNS, out: Path = REPORT) -> dict[str, Any]:
    runs = load_runs(runs_dir)
    if not runs:
        raise SystemExit(f"no runs under {runs_dir}: run `python -m tools.robustness run` first")
    per_page: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for run in runs:
        for key, entry in run["entries"].items():
            per_page.setdefault(key, []).append((run["name"], entry))
    pages = {key: aggregate_page(page_runs) for key, page_runs in sorted(per_page.items())}
    first = next(iter(runs[0]["entries"].values()), {})
    report = {
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "make robustness (python -m tools.robustness run)",
        "environment": {"cpu": runs[0]["meta"].get("cpu", cpu_model()), "cores": runs[0]["meta"].get("cores", cores()),
                        "device": first.get("device", "cpu"), "torch": first.get("torch", ""),
                        "lightning": first.get("lightning", "")},
        "runs": [{"name": run["name"], "offset": run["meta"]["offset"], "threads": run["meta"]["threads"],
                  "seconds": round(sum(p["seconds"] for p in run["meta"]["pieces"].values()), 1),
                  "workers": max((p.get("workers", 1) for p in run["meta"]["pieces"].values()), default=1),
                  "pieces": sorted(run["meta"]["pieces"]),
                  "commits": {piece: info.get("commit", "unrecorded")
                              for piece, info in sorted(run["meta"]["pieces"].items())}}
                 for run in runs],
        "pages": pages,
    }
    report["summary"] = {
        "runs": len(runs), "pages": len(pages), "claims": sum(p["claims"] for p in pages.values()),
        "claims_always_held": sum(p["claims_always_held"] for p in pages.values()),
        "pages_always_held": sum(p["runs_all_held"] == p["runs"] for p in pages.values()),
        "wall_seconds": round(sum(r["seconds"] for r in report["runs"]), 1),
    }
    _write_json(out, report)
    s = report["summary"]
    print(f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: {s['runs']} runs, {s['pages']} pages, "
          f"{s['claims_always_held']} of {s['claims']} claims held in every run they ran in; "
          f"sweep wall time {s['wall_seconds'] / 60:.1f} min")
    for key, page in pages.items():
        for row in page["claim_table"]:
            if row["held"] < row["runs"]:
                print(f"  {row['file']}:{row['line']} held in {row['held']} of {row['runs']} runs: {row['source']}")
                for failed in row["failed_runs"][:3]:
                    print(f"      {failed['run']}: {failed['explanation']}")
    return report


# ----------------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.robustness", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the sweep (resumable), then aggregate")
    run.add_argument("paths", nargs="*", help=f"pieces: pytest paths and notebooks (default: {' '.join(DEFAULT_PATHS)} "
                                              f"and every {NOTEBOOKS}/*.py)")
    run.add_argument("--offsets", type=int, nargs="+", default=list(DEFAULT_OFFSETS))
    run.add_argument("--threads", type=int, nargs="+", default=list(DEFAULT_THREADS))
    run.add_argument("--workers", default="auto", help="pytest-xdist workers per run: auto (cores // threads) or N")
    run.add_argument("--force", action="store_true", help="rerun pieces already done")
    run.add_argument("--timeout", type=int, default=900, help="per-test timeout (seconds)")
    run.add_argument("--no-aggregate", action="store_true")
    agg = sub.add_parser("aggregate", help=f"write {REPORT.relative_to(ROOT)} from the runs on disk")
    agg.add_argument("--out", type=Path, default=REPORT)
    nb = sub.add_parser("notebook", help="(internal) run one notebook as a script, recording its claims")
    nb.add_argument("path")
    nb.add_argument("--results", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "notebook":
        return run_notebook(args.path, args.results)
    if args.command == "aggregate":
        aggregate(out=args.out)
        return 0
    pieces = args.paths or [*DEFAULT_PATHS, *notebook_paths()]
    started = time.perf_counter()
    run_sweep(args.offsets, args.threads, pieces, args.workers, args.force, args.timeout)
    print(f"sweep: {(time.perf_counter() - started) / 60:.1f} min this time")
    if not args.no_aggregate:
        aggregate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
