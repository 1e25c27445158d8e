#!/bin/sh
# run.sh - `make bench`: speed and memory benchmarks (never part of the tests).
set -eu
BUILD=${1:-build}
echo "== engine: M/M/1, 10 million customers"
"$BUILD/bench/bench_engine" 10000000
