#!/usr/bin/env python3
"""factory_year.py - the factory-year benchmark (part of `make bench`).

Builds a factory of N parallel lines of the default example
(bench/parallel_lines.py; 3 lines made 42 GWh/yr over a measured year),
runs a year of it cell by cell with `celltwin run --threads 1`,
without and with --trace, and prints per run: wall and CPU time, events and
events per CPU second, cells per hour, GWh/yr and peak memory (the maximum
resident set of the process, from wait4). Targets (issue #6): a year of a
>= 30 GWh/yr factory in under 3 minutes with --trace, under 4 GB.
After the traced run, bench/trace_floor measures what SQLite alone costs a
cell row and how fast the disk writes, and the floors they set under a
trace of this size are printed and recorded.
The figures are appended to bench/results.md with the machine, the date
and the commit.

Needs time and disk: on the 2-core benchmark machine a year of 3 lines
took 797 s without the trace and 935 s wall (1539 s CPU, two threads)
with it (bench/results.md, 2026-11-25), and the trace database (in a
temporary directory, removed afterwards) grows to about 41 GiB.

Usage: factory_year.py --build BUILD [--lines 3] [--horizon 365d]
                       [--warmup 10d] [--results FILE] [--no-trace-run]
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd):
    """Runs cmd; returns (stdout, wall s, CPU s, peak RSS MiB, stderr)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        err = p.stderr.read().decode()
        p.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"factory_year.py: {' '.join(cmd)} failed: {err}")
        out.seek(0)
        text = out.read().decode()
    return text, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, err


def git_commit():
    try:
        rev = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--lines", type=int, default=3)
    ap.add_argument("--horizon", default="365d")
    ap.add_argument("--warmup", default="10d")
    ap.add_argument("--results", default=os.path.join(HERE, "results.md"))
    ap.add_argument("--factory", default=os.path.join(HERE, "..", "examples", "prismatic-lfp.yaml"))
    ap.add_argument("--no-trace-run", action="store_true",
                    help="only the run without --trace (no disk for the database)")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="celltwin-year-")
    factory = os.path.join(tmp, f"lines{args.lines}.yaml")
    subprocess.run([sys.executable, os.path.join(HERE, "parallel_lines.py"), args.factory,
                    str(args.lines), factory], check=True)
    cli = os.path.join(args.build, "celltwin")
    base = [cli, "run", factory, "--horizon", args.horizon, "--warmup", args.warmup,
            "--threads", "1", "--json"]
    load0 = os.getloadavg()[0]
    rows = []
    db = os.path.join(tmp, "trace.db")
    runs = [("without --trace", base)]
    if not args.no_trace_run:
        runs.append(("with --trace", base + ["--trace", db]))
    cells = 0
    for label, cmd in runs:
        text, wall, cpu, rss, err = run(cmd)
        k = json.loads(text)
        size = os.path.getsize(db) / 2**20 if label == "with --trace" else 0.0
        if size:
            # "celltwin run: trace FILE: run CODE, N cells (...)"
            m = re.search(r"run \S+, (\d+) cells", err)
            cells = int(m.group(1)) if m else 0
        rows.append((label, wall, cpu, k, rss, size))
        print(f"  {args.lines} lines, {args.horizon} (warm-up {args.warmup}) {label}: "
              f"{wall:.0f} s wall, {cpu:.0f} s CPU, {k['events']:.3g} events "
              f"({k['events'] / cpu:.3g}/CPU-s), {k['cells_per_h']:.0f} cells/h, "
              f"{k['gwh_per_year']:.1f} GWh/yr, peak memory {rss:.0f} MiB"
              + (f", database {size:.0f} MiB" if size else ""), flush=True)
    load1 = os.getloadavg()[0]
    floor = None
    if cells:
        # What SQLite alone and the disk alone cost for this trace
        # (bench/trace_floor.c), in the same directory as the database.
        os.remove(db)
        out = subprocess.run([os.path.join(args.build, "bench", "trace_floor"), "--dir", tmp],
                             check=True, capture_output=True, text=True).stdout
        floor = json.loads(out)
        floor_lines = [
            f"SQLite alone (bench/trace_floor: one row per cell into `cell`, in key order, 64 rows an "
            f"INSERT): {floor['us_per_row_wal']:.2f} us CPU a row with the WAL journal, "
            f"{floor['us_per_row_no_journal']:.2f} without a journal; for this run's {cells} cells "
            f"{cells * floor['us_per_row_wal'] / 1e6:.0f} s and "
            f"{cells * floor['us_per_row_no_journal'] / 1e6:.0f} s of CPU",
            f"the disk takes {floor['disk_write_mb_s']:.0f} MB/s ({floor['disk_mib']} MiB, written "
            f"and synced): the {size / 1024:.1f} GiB trace needs {size * 2**20 / 1e6 / floor['disk_write_mb_s']:.0f} s "
            f"written once, {2 * size * 2**20 / 1e6 / floor['disk_write_mb_s']:.0f} s with the WAL "
            "(every page goes to the log, then to the database)",
        ]
        for line in floor_lines:
            print("  floor: " + line, flush=True)
    for f in os.listdir(tmp):
        os.remove(os.path.join(tmp, f))
    os.rmdir(tmp)

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"\n### Factory-year benchmark, {now}\n",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.platform()}; load average (1 min) {load0:.2f} at the start, {load1:.2f} at the end",
        f"- commit: {git_commit()}",
        f"- factory: {args.lines} parallel lines of examples/prismatic-lfp.yaml "
        f"(bench/parallel_lines.py), horizon {args.horizon}, warm-up {args.warmup}, "
        "`--threads 1`; peak memory is the process's maximum resident set",
        "- targets (issue #6): under 3 minutes wall with --trace, under 4 GB\n",
        "| run | wall s | CPU s | events | events/CPU-s | cells/h | GWh/yr | peak MiB | trace MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, wall, cpu, k, rss, size in rows:
        lines.append(f"| {label} | {wall:.0f} | {cpu:.0f} | {k['events']:.3g} | "
                     f"{k['events'] / cpu:.3g} | {k['cells_per_h']:.0f} | "
                     f"{k['gwh_per_year']:.1f} | {rss:.0f} | {size:.0f} |")
    if floor:
        lines.append("")
        lines += ["- floor: " + line for line in floor_lines]
    with open(args.results, "a") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
