"""Verification stamps and the Verification page: what the suite ran on each page and how robust its claims are.

Two sources, both plain JSON:

- ``docs/generated/verification.json``, written by the test suite's plugin (``tests/verification.py``): per page
  the examples run, passed, failed (with the claim that failed and its values), skipped with reasons, time,
  device, versions, and every claim with its margin. Notebooks are executed by this build (mkdocs-jupyter, errors
  fail it): their entry is this run (``tools.hooks.notebooks``).
- ``docs/robustness.json``, the committed report of the robustness sweep (``make robustness``,
  ``tools/robustness.py``): per page "N claims, held in k of K runs" over seed offsets and thread counts, and per
  claim its smallest and median margin and the values measured in each run.

The stamp under each page's title says what ran, how many runs its claims survived, and which claim failed with
its values. The Verification page lists every page, weakest first. No results yet: "not yet verified".
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from tools.hooks import ROOT

RESULTS = ROOT / "docs" / "generated" / "verification.json"
ROBUSTNESS = ROOT / "docs" / "robustness.json"
VERIFICATION_PAGE = "verification.md"
PLACEHOLDER = "<!-- dlkit:verification -->"
WEAKEST_SHOWN = 15


def load_results(path: Path = RESULTS) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {"entries": {}}


def load_robustness(path: Path = ROBUSTNESS) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def environment() -> dict[str, str]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {"torch": version("torch"), "lightning": version("pytorch-lightning")}


def fmt_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 100 else f"{seconds / 60:.1f} min"


def fmt_margin(margin: float | None) -> str:
    """A relative margin as a signed percentage: ``+4.2%``, ``-1.9%``; ``—`` when the claim has none."""
    if margin is None:
        return "—"
    return f"{margin:+.0%}" if abs(margin) >= 1 else f"{margin:+.1%}"


def fmt_list(values: list[int]) -> str:
    """``[0, 1, 2, 3, 4]`` -> ``0–4``; ``[1, 4]`` -> ``1, 4``."""
    values = sorted(set(values))
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


def stamp_summary(entry: dict[str, Any]) -> str:
    unit = "code cell" if entry.get("kind") == "notebook cells" else "example"
    parts = [f"{entry['examples']} {unit}{'' if entry['examples'] == 1 else 's'}", f"{entry['passed']} passed"]
    if entry.get("failed"):
        parts.append(f"{entry['failed']} failed")
    if entry.get("skipped"):
        parts.append(f"{entry['skipped']} skipped")
    return ", ".join(parts)


def sweep_settings(report: dict[str, Any]) -> str:
    """``seed offsets 0–4 × threads 1, 4 (10 runs)``."""
    runs = report.get("runs", [])
    return (f"seed offsets {fmt_list([r['offset'] for r in runs])} × threads {fmt_list([r['threads'] for r in runs])} "
            f"({len(runs)} run{'' if len(runs) == 1 else 's'})")


def robustness_summary(page: dict[str, Any]) -> str:
    """``14 claims, held in 10 of 10 runs``: a run counts when every claim held and no example failed."""
    claims = page["claims"]
    return f"{claims} claim{'' if claims == 1 else 's'}, held in {page['runs_all_held']} of {page['runs']} runs"


def weakest_claim(page: dict[str, Any]) -> dict[str, Any] | None:
    """The sweep's weakest claim of a page: failed most often, then the smallest margin."""
    table = page.get("claim_table", [])
    return table[0] if table else None


def failure_messages(entry: dict[str, Any] | None) -> list[str]:
    """What failed in the last run, one line each: the broken claim with its values, or the error raised."""
    if not entry:
        return []
    messages = [f["message"] for f in entry.get("failures", []) if f.get("message")]
    if not messages:
        messages = [f"{c['file']}:{c['line']}: {c.get('explanation') or c['source']}"
                    for c in entry.get("claims", []) if not c["held"]]
    if entry.get("failed") and not messages:
        messages = ["an example failed (run the page's tests to see which)"]
    return messages


def sweep_failures(page: dict[str, Any] | None, limit: int = 5) -> list[str]:
    """Claims the sweep saw fail, one line each with a run and its values:
    ``x.md:54 failed in 3 of 10 runs, e.g. offset3-threads1: a > b -> 0.41 > 0.42 is False``."""
    if not page:
        return []
    lines = []
    for row in page.get("claim_table", []):
        failed = row.get("failed_runs", [])
        if failed:
            example = failed[0]
            lines.append(f"{row['file']}:{row['line']} failed in {len(failed)} of {row['runs']} runs, e.g. "
                         f"{example['run']}: {example.get('explanation') or row['source']}")
    for failure in page.get("failures", []):
        message = failure.get("message", "failed")
        if not any(message.split(" -> ")[0] in line for line in lines):
            lines.append(f"{failure['run']}: {message}")
    return lines[:limit]


def stamp_html(entry: dict[str, Any] | None, *, key: str, has_examples: bool, verification_url: str,
               generated: str | None = None, robustness: dict[str, Any] | None = None,
               sweep: dict[str, Any] | None = None) -> str:
    """The box under a page's title saying what the suite ran on it and how many sweep runs its claims survived.

    ``entry``: the page's last-run results; ``robustness``: its entry of the sweep report (``sweep``: the report).
    """
    link = f'<a href="{verification_url}">all pages</a>'
    if generated is not None:
        return (
            f'<details class="info dlkit-stamp" data-status="generated"><summary>Generated by the build</summary>'
            f"<p>{generated} See {link}.</p></details>"
        )
    if entry is None:
        if not has_examples:
            return (
                f'<details class="info dlkit-stamp" data-status="no-examples"><summary>No code examples on this '
                f"page</summary><p>Nothing on this page is executed; see {link}.</p></details>"
            )
        return (
            f'<details class="note dlkit-stamp" data-status="not-verified"><summary>Not yet verified</summary>'
            f"<p>No test results for <code>{html.escape(key)}</code> were found when the site was built. "
            f"Run <code>make test</code> (or <code>make docs</code>, which runs the page examples first). "
            f"See {link}.</p></details>"
        )
    failed = bool(entry.get("failed"))
    fragile = robustness is not None and robustness["runs_all_held"] < robustness["runs"]
    kind = "failure" if failed else "warning" if fragile else "success"
    title = "Verification failed" if failed else "Verified"
    summary = f"{title}: {stamp_summary(entry)} in {fmt_seconds(entry['seconds'])} on {html.escape(entry['device'])}"
    if robustness is not None:
        summary += f"; {robustness_summary(robustness)}"
    elif entry.get("claims_total"):
        summary += f"; {entry['claims_held']} of {entry['claims_total']} claims held"
    messages = failure_messages(entry) if failed else []
    if messages:
        summary += f" — {html.escape(messages[0])}"
    items = [f"<li>failed: <code>{html.escape(m)}</code></li>" for m in messages]
    items.append(f"<li>source: <code>{html.escape(key)}</code> ({html.escape(entry.get('kind', 'examples'))})</li>")
    settings = ""
    if "seed_offset" in entry:
        settings = f", seed offset {entry['seed_offset']}, {entry.get('threads', '?')} threads"
    items.append(f"<li>run: {html.escape(entry['run_at'])} by {html.escape(entry.get('runner', 'the test suite'))}"
                 f"{settings}</li>")
    items.append(f"<li>torch {html.escape(entry['torch'])}, PyTorch Lightning {html.escape(entry['lightning'])}</li>")
    if robustness is not None and sweep is not None:
        weakest = weakest_claim(robustness)
        items.append(f"<li>robustness sweep, {sweep_settings(sweep)} on {html.escape(sweep['environment']['cpu'])}: "
                     f"{robustness_summary(robustness)}</li>")
        if weakest is not None and weakest.get("min_margin") is not None:
            items.append(f"<li>weakest claim: <code>{html.escape(weakest['file'])}:{weakest['line']}</code> "
                         f"<code>{html.escape(weakest['source'])}</code>, margin {fmt_margin(weakest['min_margin'])} "
                         f"(median {fmt_margin(weakest['median_margin'])})</li>")
        items.extend(f"<li>failed in the sweep: <code>{html.escape(line)}</code></li>"
                     for line in sweep_failures(robustness))
    items.extend(f"<li>skipped: {html.escape(reason)}</li>" for reason in entry.get("skip_reasons", []))
    status = "failed" if failed else "passed"
    return (
        f'<details class="{kind} dlkit-stamp" data-status="{status}" '
        f'data-robustness="{"fragile" if fragile else "held" if robustness else "unmeasured"}"><summary>{summary}'
        f"</summary><ul>{''.join(items)}</ul><p>See {link}.</p></details>"
    )


# ----------------------------------------------------------------------------------------------------------------
# The Verification page


def verification_page(has_report: bool) -> str:
    """The page's Markdown; the link to the sweep's raw report only when there is one (a dead link fails the build)."""
    raw = "its report is [robustness.json](robustness.json)" if has_report else "it has not been run yet"
    return (
        "# Verification\n\nEvery page of the site with the result of its examples in the last test run and how its "
        "claims fared in the robustness sweep, weakest first. A **claim** is a `>>>` check or an `assert`; its "
        "**margin** is how far the measured value was from the threshold, relative to it (for `a > b`: "
        "(a − b) / |b|), the smallest over all runs of the sweep. Page examples and docstring examples are run by "
        "the test suite (`make test`; Sybil); notebooks are executed by the site build itself, and a cell that "
        "raises fails the build. The sweep (`make robustness`) runs them all again with every seed shifted and "
        f"with 1 and 4 CPU threads; {raw}.\n\n" + PLACEHOLDER + "\n"
    )


_RANK = {"failed": 0, "fragile": 1, "passed": 2, "not yet verified": 3, "no examples": 4}


def verification_rows(pages: dict[str, dict[str, Any]], entries: dict[str, dict[str, Any]],
                      report: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One row per built page, failed first, then the weakest margin (sweep minimum, else the last run's)."""
    robust = (report or {}).get("pages", {})
    rows = []
    for uri, info in pages.items():
        entry = entries.get(info["key"])
        page_report = robust.get(info["key"])
        if entry is None:
            status = "not yet verified" if info["has_examples"] else "no examples"
        elif entry.get("failed"):
            status = "failed"
        elif page_report is not None and page_report["runs_all_held"] < page_report["runs"]:
            status = "fragile"
        else:
            status = "passed"
        margin = None
        weakest = weakest_claim(page_report) if page_report else None
        if weakest is not None:
            margin = weakest.get("min_margin")
            where = f"{Path(weakest['file']).name}:{weakest['line']}"
        elif entry and entry.get("weakest"):
            margin = entry["weakest"].get("margin")
            where = f"{Path(entry['weakest']['file']).name}:{entry['weakest']['line']}"
        else:
            where = ""
        rows.append({**info, "uri": uri, "entry": entry, "robustness": page_report, "status": status,
                     "margin": margin, "where": where})
    rows.sort(key=lambda r: (_RANK[r["status"]], r["margin"] if r["margin"] is not None else float("inf"), r["uri"]))
    return rows


def _environment_line(entries: dict[str, dict[str, Any]]) -> str:
    seen = [e for e in entries.values() if e.get("run_at")]
    if not seen:
        return ""
    devices = sorted({e["device"] for e in seen})
    latest = max(seen, key=lambda e: e["run_at"])
    return (f"Last runs: on {html.escape(', '.join(devices))}, torch {html.escape(latest['torch'])}, "
            f"PyTorch Lightning {html.escape(latest['lightning'])}, latest {html.escape(latest['run_at'])}.")


def _sweep_line(report: dict[str, Any] | None) -> str:
    if report is None:
        return ("No robustness sweep report (<code>docs/robustness.json</code>) yet: run <code>make robustness</code>.")
    env, summary = report["environment"], report["summary"]
    return (
        f"Robustness sweep, {html.escape(report['generated_at'])}: {sweep_settings(report)} on "
        f"{html.escape(env['cpu'])} ({env['cores']} cores, {html.escape(env['device'])}), torch "
        f"{html.escape(env['torch'])}, PyTorch Lightning {html.escape(env['lightning'])}; wall time "
        f"{fmt_seconds(summary['wall_seconds'])}. <strong>{summary['claims_always_held']}</strong> of "
        f"{summary['claims']} claims held in every run; {summary['pages_always_held']} of {summary['pages']} "
        f"pages had every claim hold in every run."
    )


def _value_range(values: list[Any]) -> str:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    return f"{low:.4g}" if low == high else f"{low:.4g} to {high:.4g}"


def weakest_claims_table(rows: list[dict[str, Any]], link: Callable[[str], str]) -> str:
    """The claims closest to failing across the site (sweep margins), with the range of their measured values."""
    claims = []
    for row in rows:
        for claim in (row["robustness"] or {}).get("claim_table", []):
            if claim.get("min_margin") is not None or claim["held"] < claim["runs"]:
                claims.append((row, claim))
    claims.sort(key=lambda rc: (rc[1]["held"] - rc[1]["runs"],
                                rc[1]["min_margin"] if rc[1]["min_margin"] is not None else float("inf")))
    if not claims:
        return ""
    body = []
    for row, claim in claims[:WEAKEST_SHOWN]:
        values = "; ".join(f"{html.escape(src)}: {_value_range(vals)}" for src, vals in claim["values"].items()
                           if _value_range(vals))
        status = "failed" if claim["held"] < claim["runs"] else "passed"
        body.append(
            f'<tr data-status="{status}"><td><a href="{link(row["url"])}">{html.escape(row["title"] or row["uri"])}'
            f"</a> <small>{html.escape(claim['file'])}:{claim['line']}</small><br><code>{html.escape(claim['source'])}"
            f"</code>{'<br><small>' + values + '</small>' if values else ''}</td>"
            f"<td>{claim['held']}/{claim['runs']}</td>"
            f"<td>{fmt_margin(claim['min_margin'])}</td><td>{fmt_margin(claim['median_margin'])}</td></tr>"
        )
    return (
        f"<h2 id=\"weakest-claims\">The {min(WEAKEST_SHOWN, len(claims))} weakest claims</h2>"
        "<p>Over every run of the sweep: the runs each held in, its smallest and median margin, and the range of "
        "the values measured.</p>"
        '<div class="dlkit-verification dlkit-claims"><table><thead><tr><th>claim</th><th>held</th><th>min</th>'
        "<th>median</th></tr></thead><tbody>" + "".join(body) + "</tbody></table></div>"
    )


def verification_table(rows: list[dict[str, Any]], entries: dict[str, dict[str, Any]], report: dict[str, Any] | None,
                       link: Callable[[str], str]) -> str:
    """The Verification page's body; ``link(url)`` makes a site URL relative to the page showing it."""
    body = []
    totals = {"examples": 0, "passed": 0, "failed": 0, "skipped": 0, "seconds": 0.0, "claims_total": 0,
              "claims_held": 0}
    for row in rows:
        entry, page_report = row["entry"], row["robustness"]
        title = f'<a href="{link(row["url"])}">{html.escape(row["title"] or row["uri"])}</a>'
        margin_attr = "" if row["margin"] is None else f' data-margin="{row["margin"]:.6g}"'
        if entry is None:
            body.append(f'<tr data-status="{row["status"]}"{margin_attr}><td>{title}</td>'
                        f'<td colspan="4">{row["status"]}</td></tr>')
            continue
        for name in totals:
            totals[name] += entry.get(name, 0) or 0
        notes = [f"failed: {html.escape(m)}" for m in failure_messages(entry)] if entry.get("failed") else []
        notes += [f"sweep: {html.escape(m)}" for m in sweep_failures(page_report, limit=2)]
        notes += [f"skipped: {html.escape(r)}" for r in entry.get("skip_reasons", [])]
        note = "".join(f'<br><small class="dlkit-note">{n}</small>' for n in notes)
        examples = f"{entry['passed']}/{entry['examples']}"
        claims = f"{entry.get('claims_held', 0)}/{entry.get('claims_total', 0)}" if entry.get("claims_total") else "—"
        if page_report is not None and not entry.get("claims_total"):
            claims = str(page_report["claims"])
        runs = f"{page_report['runs_all_held']}/{page_report['runs']}" if page_report else "—"
        where = f"<br><small>{html.escape(row['where'])}</small>" if row["where"] else ""
        weakest = fmt_margin(row["margin"]) + where
        body.append(
            f'<tr data-status="{row["status"]}"{margin_attr}><td>{title}{note}</td><td>{examples}</td><td>{claims}</td>'
            f"<td>{runs}</td><td>{weakest}</td></tr>"
        )
    summary = (
        f"<p><strong>{totals['examples']}</strong> examples on the site: {totals['passed']} passed, "
        f"{totals['failed']} failed, {totals['skipped']} skipped, {fmt_seconds(totals['seconds'])} in all; "
        f"{totals['claims_held']} of {totals['claims_total']} claims held in the last run. "
        f"{_environment_line(entries)}</p><p>{_sweep_line(report)}</p>"
    )
    return (
        summary + '<div class="dlkit-verification"><table><thead><tr><th>page</th><th>examples</th>'
        '<th>claims</th><th title="sweep runs in which every claim held">runs held</th>'
        '<th title="smallest margin of any claim over the sweep">weakest</th></tr></thead><tbody>'
        + "".join(body) + "</tbody></table></div>" + weakest_claims_table(rows, link)
    )
