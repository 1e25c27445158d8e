#!/bin/sh
# pgo-train.sh BUILD - the training run of the profile-guided build
# (scripts/pgo.sh): what the profile should be good for. The engine
# benchmark and the celltwin-vs-SimPy models (bench/, through celltwin run
# and on the engine API), the default factory long enough for cells to
# finish aging and grading, without and with a trace, and the technology
# variants briefly. About a minute.
set -eu
BUILD=$1
CLI=$BUILD/celltwin
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
run() { "$CLI" run "$@" --json >/dev/null; }

"$BUILD/bench/bench_engine" 10000000 >/dev/null
"$BUILD/bench/bench_api" mm1 --horizon 2000000 --warmup 1000 --replications 2 >/dev/null
"$BUILD/bench/bench_api" serial10 --horizon 432000 --replications 2 >/dev/null
run bench/mm1.yaml --horizon 2000000 --warmup 1000 --replications 2 --threads 1
run bench/serial10.yaml --horizon 5d --replications 2 --threads 1
run examples/prismatic-lfp.yaml --horizon 15d --warmup 0
run examples/prismatic-lfp.yaml --horizon 2d --warmup 0 --trace "$TMP/trace.db"
for f in prismatic-lfp-dry prismatic-nmc-siox-prelith solid-state; do
    run "examples/$f.yaml" --horizon 2d --warmup 0
done
