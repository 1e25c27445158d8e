#!/bin/sh
# pgo.sh BUILD JOBS - the Release build with profile-guided optimisation
# (`make build`, and so `make run`, `make test` and `make bench`).
#
# GCC compiles the code a second time with the branch and call counts of a
# training run (scripts/pgo-train.sh: the benchmark models and short runs of
# the example factories), which lays out the hot paths of the engine and
# the line model better: 15-25 % more M/M/1 customers per second on the
# benchmark machine, a few per cent on the factories (bench/results.md).
# Results are the same bytes as without it. The training reruns when a C
# source, the training script, the build file or a model it trains on is
# newer than the last training; `make build PGO=0` builds without it.
set -eu
BUILD=$1
JOBS=$2
STAMP=$BUILD/pgo/trained

stale() {
    [ ! -f "$STAMP" ] ||
        [ -n "$(find src include bench -name '*.[ch]' -newer "$STAMP" -print | head -n 1)" ] ||
        [ -n "$(find scripts/pgo-train.sh CMakeLists.txt bench/*.yaml examples -newer "$STAMP" -print | head -n 1)" ]
}

if stale; then
    echo "pgo: training build (profile-guided optimisation; make build PGO=0 skips it)"
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCT_PGO=generate >/dev/null
    cmake --build "$BUILD" -j "$JOBS" --target celltwin_cli bench_engine bench_api
    rm -rf "$BUILD/pgo"
    mkdir -p "$BUILD/pgo"
    sh scripts/pgo-train.sh "$BUILD"
    touch "$STAMP"
    echo "pgo: optimised build"
fi
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCT_PGO=use >/dev/null
cmake --build "$BUILD" -j "$JOBS"
