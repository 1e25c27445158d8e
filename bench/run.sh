#!/bin/sh
# run.sh - `make bench`: speed and memory benchmarks (never part of the tests).
#   1. the engine: M/M/1 with 10 million customers (bench_engine);
#   2. celltwin against SimPy 3 on the same models (bench/compare.py): units
#      and events per second, their ratio, and agreement of the results.
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
