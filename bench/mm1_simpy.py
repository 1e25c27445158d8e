#!/usr/bin/python3
"""mm1_simpy.py - the M/M/1 queue of bench/mm1.yaml in SimPy 3, written the
way SimPy's own examples write queues: a source process that starts one
customer process per arrival, and a Resource of capacity 1 as the server.

Same semantics as celltwin's `run bench/mm1.yaml`: Poisson arrivals at
lambda = 0.8/s, exponential service at mu = 1/s, FIFO, unlimited queue.
Statistics after the warm-up: throughput = customers finishing service in
(warmup, horizon] per hour; waiting time = time from arrival to the start
of service, for customers that start service after the warm-up (celltwin's
stations[0].mean_wait_s).

Events are counted as the entries pushed onto the environment's event queue
(every Timeout, every process start and resumption, every request grant):
SimPy draws one number from env._eid for each push, so pushes = next(eid),
and the events processed are the pushes less what is still queued at the
end. Counting that way costs nothing during the run.

Prints one JSON object: per-replication figures and their means with 95 %
half-widths (Student t). Run with /usr/bin/python3 (Debian's python3-simpy3).

Usage: mm1_simpy.py [--customers N] [--replications R] [--warmup S] [--seed K]
  --customers is per replication (the horizon is N / lambda).
"""
import argparse
import json
import math
import random
import sys
import time

import simpy

from stats import mean_ci95

LAMBDA, MU = 0.8, 1.0


def replication(horizon, warmup, seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    acc = {"done": 0, "wait_sum": 0.0, "wait_n": 0}

    def customer():
        arrived = env.now
        with server.request() as req:
            yield req
            if env.now >= warmup:
                acc["wait_sum"] += env.now - arrived
                acc["wait_n"] += 1
            yield env.timeout(rng.expovariate(MU))
            if env.now >= warmup:
                acc["done"] += 1

    def source():
        while True:
            yield env.timeout(rng.expovariate(LAMBDA))
            env.process(customer())

    env.process(source())
    t0, c0 = time.perf_counter(), time.process_time()
    env.run(until=horizon)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    events = next(env._eid) - len(env._queue)
    span = horizon - warmup
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "events": events,
        "completed": acc["done"],
        "throughput_per_h": acc["done"] / span * 3600.0,
        "wait_s": acc["wait_sum"] / acc["wait_n"] if acc["wait_n"] else 0.0,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=float, default=2e5)
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--warmup", type=float, default=1000.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    horizon = a.customers / LAMBDA
    reps = [replication(horizon, a.warmup, a.seed * 1000003 + r) for r in range(a.replications)]
    out = {
        "engine": "simpy " + simpy.__version__,
        "model": "mm1",
        "replications": a.replications,
        "horizon_s": horizon,
        "warmup_s": a.warmup,
        "wall_s": sum(r["wall_s"] for r in reps),
        "cpu_s": sum(r["cpu_s"] for r in reps),
        "events": sum(r["events"] for r in reps),
        "units": sum(r["completed"] for r in reps),
        "throughput_per_h": mean_ci95([r["throughput_per_h"] for r in reps]),
        "wait_s": mean_ci95([r["wait_s"] for r in reps]),
        "per_replication": reps,
    }
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
