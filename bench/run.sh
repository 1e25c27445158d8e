#!/bin/sh
# run.sh - `make bench`: speed and memory benchmarks (never part of the tests).
#   1. the engine: M/M/1 with 10 million customers (bench_engine);
#   2. celltwin against SimPy 3 on the same models (bench/compare.py): units
#      and events per second, their ratio, and agreement of the results;
#      both models also hand-written on the engine API (bench_api), to
#      show the engine's own rate apart from the line model's;
#   3. the default factory for a month, and the factory-year benchmark:
#      3 parallel lines of it (42 GWh/yr) for 365 days, without and
#      with --trace (bench/factory_year.py), and the floors SQLite and the
#      disk set under the trace (bench/trace_floor.c).
# Figures are printed and appended to bench/results.md with the machine,
# the date and the commit. Run it on a quiet machine: no build alongside.
set -eu
BUILD=${1:-build}
HERE=$(dirname "$0")
ENGINE_OUT=$(mktemp)
trap 'rm -f "$ENGINE_OUT"' EXIT
echo "== engine: M/M/1, 10 million customers"
"$BUILD/bench/bench_engine" 10000000 | tee "$ENGINE_OUT"
echo
echo "== celltwin vs SimPy 3 (Debian python3-simpy3, run with /usr/bin/python3)"
/usr/bin/python3 "$HERE/compare.py" --build "$BUILD" --results "$HERE/results.md" \
    --engine-output "$ENGINE_OUT"
echo
echo "== the default factory (examples/prismatic-lfp.yaml): one month, cell by cell"
/usr/bin/python3 - "$BUILD/celltwin" "$HERE/../examples/prismatic-lfp.yaml" <<'PY'
import json, os, resource, subprocess, sys, tempfile, time
cli, factory = sys.argv[1], sys.argv[2]
# Two pairs, plain then traced, one after the other: a single pair on a
# shared 2-core machine can be off by several per cent either way.
base = [cli, "run", factory, "--horizon", "30d", "--warmup", "0", "--json"]
db = os.path.join(tempfile.mkdtemp(), "trace.db")
walls, traced, out = [], [], None
for i in range(2):
    t0 = time.monotonic()
    out = subprocess.run(base, check=True, capture_output=True, text=True).stdout
    walls.append(time.monotonic() - t0)
    if i == 0:
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    t0 = time.monotonic()
    subprocess.run(base + ["--trace", db], check=True, capture_output=True, text=True)
    traced.append(time.monotonic() - t0)
wall = walls[0]
k = json.loads(out)
cpu = ru.ru_utime + ru.ru_stime
print(f"  30 simulated days: {wall:.1f} s wall, {cpu:.1f} s CPU (target: under 30 s)")
print(f"  cells made and finished: {k['completed']:.0f} good, {k['scrapped']:.0f} scrapped; "
      f"{k['events']:.3g} events ({k['events'] / cpu:.3g} per CPU second)")
print(f"  peak memory: {ru.ru_maxrss / 1024:.0f} MiB (work in progress: {k['wip_mean']:.0f} units on average)")
ratios = [t / w for t, w in zip(traced, walls)]
print(f"  with --trace: {traced[0]:.1f} and {traced[1]:.1f} s wall against {walls[0]:.1f} and {walls[1]:.1f} s "
      f"without: {ratios[0]:.2f} and {ratios[1]:.2f} x, {sum(traced) / sum(walls):.2f} x over both pairs "
      f"(target: at most 1.5 x); database {os.path.getsize(db) / 2**20:.0f} MiB")
t0 = time.monotonic()
subprocess.run([cli, "recall", db, "--coil", "cathode_coating:10"], capture_output=True, text=True)
print(f"  recall of one coil over the month: {time.monotonic() - t0:.2f} s")
t0 = time.monotonic()
subprocess.run([cli, "rootcause", db, "--cells", "outliers"], check=True, capture_output=True, text=True)
print(f"  rootcause --cells outliers over the month (one pass over every cell): "
      f"{time.monotonic() - t0:.2f} s")
import shutil
shutil.rmtree(os.path.dirname(db))
PY
echo
# YEAR=60d make bench: a shorter horizon for a quick look (the year takes
# 9-13 minutes without and 12-16 with the trace, and ~41 GiB of trace in /tmp).
YEAR=${YEAR:-365d}
echo "== factory year: 3 parallel lines of the default factory, $YEAR (target for 365d: under 3 min with --trace, under 4 GB)"
/usr/bin/python3 "$HERE/factory_year.py" --build "$BUILD" --results "$HERE/results.md" --horizon "$YEAR"
echo
echo "== ramp-up (docs/rampup.md): 36 months of the default factory, a 2 d window a month"
/usr/bin/python3 - "$BUILD/celltwin" "$HERE/../examples/prismatic-lfp.yaml" <<'PY'
import json, resource, subprocess, sys, time
cli, factory = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
out = subprocess.run([cli, "rampup", factory, "--months", "36", "--json"],
                     check=True, capture_output=True, text=True).stdout
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
k = json.loads(out)["by_month"]
print(f"  36 months: {wall:.0f} s wall, {ru.ru_utime + ru.ru_stime:.0f} s CPU (target: under 300 s)")
print(f"  scrap month 1 {k[0]['scrap_rate']:.1%}, month 36 {k[-1]['scrap_rate']:.1%}; "
      f"{k[-1]['cum_gwh']:.2f} GWh and {k[-1]['cum_scrap_cost_usd'] / 1e6:.0f} M USD of scrap since SOP")
PY
