"""``python -m benchmarks``: every stage and the whole night, measured, with the baselines.

Starts its own PostgreSQL in a temp folder, runs each corpus size in a child process (so each
peak RSS is that size's own), serves 1,000 feeds from 127.0.0.1 for the fetch round, runs
the baselines side by side and the scale-out probes, then prints one table per part and,
with ``--json``, writes every figure for comparison between commits.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks import baselines, fetch, scaleout
from benchmarks.corpus import STREAMS, parse_size
from benchmarks.pg import bench_server, drop_database, fresh_database

REPO = Path(__file__).resolve().parents[1]
PARTS = ("stages", "night", "fetch", "baselines", "scaleout")
TARGETS = {
    "end_to_end": 1000.0, "normalize": 5000.0, "load": 3000.0,
}

console = Console(width=120)


def machine() -> dict[str, Any]:
    """Where the figures came from: CPUs, CPU model, RAM, versions, commit."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                      .splitlines() if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    # An exported tree (git archive) has no .git: the caller names the commit.
    commit = os.environ.get("AKHBAR_BENCH_COMMIT") or subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
        text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "commit": commit}


def run_child(server: Any, name: str, module: str, args: list[str]) -> dict[str, Any]:
    """Run ``python -m module`` against a fresh database ``name``; return the figures it wrote."""
    url = fresh_database(server, name)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = Path(tmp.name)
    cmd = [sys.executable, "-m", module, *args, "--url", url, "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    figures = json.loads(out.read_text())
    figures["child_seconds"] = round(time.monotonic() - started, 1)
    out.unlink()
    drop_database(server, name)
    return figures


def run_size(server: Any, size: str, lite: bool, profile: Path | None,
             progress: Path | None = None, stream: str = "recycled") -> dict[str, Any]:
    """One corpus size in a child process against a fresh database."""
    args = ["--size", size, "--stream", stream]
    if lite:
        args += ["--no-parse", "--no-tag"]
    if profile:
        args += ["--profile", str(profile)]
    if progress:
        args += ["--progress", str(progress)]
    figures = run_child(server, f"bench_{size.lower()}", "benchmarks.stages", args)
    figures["lite"] = lite
    figures["stream"] = stream
    return figures


def size_table(title: str, first: str, sizes: Iterable[str]) -> Table:
    """A table with a row label column, one column per corpus size, and the target."""
    table = Table(title=title)
    table.add_column(first)
    for size in sizes:
        table.add_column(size, justify="right")
    table.add_column("target", justify="right")
    return table


def together(fig: dict[str, Any]) -> float:
    """Articles per second through the load and the search index one after the other."""
    load, index = fig["stages"].get("load"), fig["stages"].get("search")
    if not load or not index:
        return 0.0
    return round(load["articles"] / (load["seconds"] + index["seconds"]), 1)


def print_stages(results: dict[str, dict[str, Any]]) -> None:
    table = size_table("Articles per second by stage (peak RSS of the benchmark process)",
                       "stage", results)
    rows = ("parse", "extract", "normalize", "load", "search", "dedup", "tag")
    for stage in rows:
        cells = []
        for fig in results.values():
            st = fig["stages"].get(stage)
            cells.append(f"{st['per_second']:,.0f}" if st else "—")
        target = TARGETS.get(stage)
        table.add_row(stage, *cells, f"≥ {target:,.0f}" if target else "")
        if stage == "search":  # the loader used to build the search index itself
            table.add_row("load and search index together", *[
                f"{together(f):,.0f}" if together(f) else "—" for f in results.values()], "")
    table.add_row("normalize, per CPU second", *[
        f"{f['stages']['normalize']['per_client_cpu_second']:,.0f}" for f in results.values()],
        "≥ 5,000")
    table.add_row("end to end", *[
        f"{f['end_to_end']['per_second']:,.0f}" + ("*" if f.get("lite") else "")
        for f in results.values()], "≥ 1,000")
    table.add_row("dedup seconds", *[f"{f['stages'].get('dedup', {}).get('seconds', 0):,.1f}"
                                     for f in results.values()], "1M ≤ 12× 100k")
    table.add_row("peak RSS (MB)", *[f"{f['peak_rss_mb']:,.0f}" for f in results.values()],
                  "1M < 4,096")
    table.add_row("DB bytes / 1,000 articles", *[
        f"{f['db']['bytes_per_1000_articles'] / 1e6:,.1f} MB" for f in results.values()], "")
    table.add_row("copies generated / found", *[
        f"{f['dedup']['copy_share_generated']:.1%} / {f['dedup']['copy_share_found']:.1%}"
        for f in results.values()], "")
    console.print(table)
    if any(f.get("lite") for f in results.values()):
        console.print("* end to end without parse and tag (articles built straight from "
                      "records): load, extract and dedup only")


def run_night(server: Any, size: str, workers: int | None = None) -> dict[str, Any]:
    """A night in the DAG's shape on every core (:mod:`benchmarks.night`), in a child process."""
    args = ["--size", size] + (["--workers", str(workers)] if workers else [])
    return run_child(server, f"bench_night_{size.lower()}", "benchmarks.night", args)


def print_night(results: dict[str, dict[str, Any]]) -> None:
    table = size_table("A night in the DAG's shape, one process per core (wall seconds)",
                       "phase", results)
    for phase in ("fetch_shards", "dedup_search_and_tagging"):
        table.add_row(phase, *[f"{f['phases'][phase]['seconds']:,.1f} s "
                               f"({f['phases'][phase]['per_second']:,.0f}/s)"
                               for f in results.values()], "")
    for task in ("near_duplicates", "entities", "search", "topics"):
        table.add_row(f"  {task} done after", *[f"{f['finished_after'][task]:,.1f} s"
                                               for f in results.values()], "")
    table.add_row("end to end", *[f"{f['end_to_end']['per_second']:,.0f}/s"
                                  for f in results.values()], "≥ 1,000/s")
    table.add_row("workers", *[str(f["workers"]) for f in results.values()], "")
    table.add_row("load average before, after", *[
        f"{f['loadavg'][0]}, {f['loadavg'][1]}" for f in results.values()], "")
    console.print(table)


def print_dict(title: str, figures: dict[str, Any]) -> None:
    table = Table(title=title, show_header=False)
    for key, value in figures.items():
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) \
            else str(value)
        table.add_row(key, shown)
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="31k,100k", help="corpus sizes, e.g. 31k,100k,1m")
    ap.add_argument("--lite", default="1m",
                    help="sizes run without parse and tag (load and dedup scale only)")
    ap.add_argument("--json", type=Path, help="write every figure here")
    ap.add_argument("--smoke", action="store_true",
                    help="a few hundred articles and small probes: checks the suite runs")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"subset of {','.join(PARTS)}")
    ap.add_argument("--shared-buffers", metavar="SIZE",
                    help="the benchmark server's shared_buffers, e.g. 6GB (default: "
                         "PostgreSQL's 128MB)")
    ap.add_argument("--profile-dir", type=Path, help="write a cProfile summary per size")
    ap.add_argument("--progress-dir", type=Path,
                    help="append per-batch cumulative figures per size (JSON lines)")
    ap.add_argument("--stream", choices=STREAMS, default="recycled",
                    help="variants that recycle the ANT stories (default), or a stream whose "
                         "structure does not depend on its size (benchmarks/corpus.py)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        ap.error(f"unknown parts: {sorted(unknown)}")
    sizes = ["300"] if args.smoke else [s.strip() for s in args.sizes.split(",") if s.strip()]
    for s in sizes:
        parse_size(s)
    lite = {s.strip().lower() for s in args.lite.split(",") if s.strip()}
    report: dict[str, Any] = {"machine": machine(), "smoke": args.smoke,
                              "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    settings = {"shared_buffers": args.shared_buffers} if args.shared_buffers else {}
    report["machine"]["server_settings"] = settings
    print_dict("Machine", report["machine"])
    with bench_server(settings) as server:
        if "stages" in parts:
            results: dict[str, dict[str, Any]] = {}
            for size in sizes:
                profile = args.profile_dir / f"profile-{size}.txt" if args.profile_dir else None
                if profile:
                    profile.parent.mkdir(parents=True, exist_ok=True)
                console.print(f"[bold]corpus {size}[/bold]: running every stage…")
                progress = args.progress_dir / f"progress-{size}.jsonl" \
                    if args.progress_dir else None
                if progress:
                    progress.parent.mkdir(parents=True, exist_ok=True)
                fig = run_size(server, size, size.lower() in lite, profile, progress,
                               args.stream)
                results[fig["size"]] = fig
            report["stages"] = results
            print_stages(results)
            save(args.json, report)
            for label, fig in results.items():
                print_dict(f"Details, {label}", {
                    k: fig[k] for k in ("articles", "generated", "load", "dedup", "db",
                                        "startup_seconds", "wall_seconds", "loadavg",
                                        "taggers")})
        if "night" in parts:
            nights: dict[str, dict[str, Any]] = {}
            for size in sizes:
                if size.lower() in lite:
                    continue  # the night tags every article: the lite sizes stay stages-only
                console.print(f"[bold]corpus {size}[/bold]: a night on every core…")
                nights[size] = run_night(server, size)
            report["night"] = nights
            if nights:
                print_night(nights)
            save(args.json, report)
        if "fetch" in parts:
            console.print("[bold]fetch round[/bold] over feeds served from 127.0.0.1…")
            report["fetch"] = fetch.run(smoke=args.smoke)
            print_dict("Fetch round (200 ms latency per response)", report["fetch"])
            save(args.json, report)
        if "baselines" in parts:
            console.print("[bold]baselines[/bold] side by side…")
            report["baselines"] = baselines.run(server, smoke=args.smoke)
            print_dict("Baselines (ours vs the obvious alternative)", report["baselines"])
            save(args.json, report)
        if "scaleout" in parts:
            console.print("[bold]scale-out probes[/bold]…")
            report["scaleout"] = scaleout.run(server, smoke=args.smoke)
            print_dict("Scale-out probes", report["scaleout"])
            save(args.json, report)
    if args.json:
        console.print(f"figures written to {args.json}")
    return 0


def save(path: Path | None, report: dict[str, Any]) -> None:
    """Write the figures so far: a part that fails later does not lose the earlier ones."""
    if path:
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    raise SystemExit(main())
