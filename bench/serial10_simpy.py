#!/usr/bin/python3
"""serial10_simpy.py - bench/serial10.yaml in SimPy 3: ten single-server
stations in series with finite buffers, blocking after service and
time-based failures with preempt-resume, fed by a saturated source.

The model mirrors celltwin's line semantics (docs/factory-file.md and the
state machine of src/model/line.c) step for step, so that both engines
estimate the same quantities:
- a station has one server and a FIFO buffer of `buffer` waiting places
  (the unit in service not counted). A unit may enter when a waiting place
  is free, or when the server is idle (and up): then it starts at once;
- the source is saturated: whenever room appears at the first station it
  is filled, so its buffer is always full;
- when a server finishes, its unit goes to the next station if that one can
  take it; otherwise the server keeps it and is blocked (blocking after
  service), and waits in that station's FIFO list of blocked servers. When
  room appears, the first blocked server hands its unit on, then starts its
  next job or goes idle, which may unblock its own upstream neighbour;
- failures are time-based per server: up ~ mtbf whatever the server does,
  then down ~ mttr. A job caught by a failure is interrupted and resumes
  after the repair with the time it had left (preempt-resume). A blocked
  server that fails cannot hand its unit on until it is repaired; a down
  server takes no new job and, with its buffer full, no new unit.

SimPy's processes carry the timing: one process per server (wait for a
job, process it with interrupt-and-resume, then finish) and one per
failing server (up, down). The hand-overs between stations happen in plain
function calls at the instant they occur, as in celltwin, so that no other
event can slip in between "there is room" and "the unit is there".

Statistics after the warm-up, as celltwin's: throughput = units leaving
the last station per hour; per station, mean waiting time = time in the
buffer, over the units that start service after the warm-up; lead time =
time from entering the first buffer to leaving the line. Events are counted
as in mm1_simpy.py (pushes onto the event queue, from env._eid).

Usage: serial10_simpy.py [--horizon S] [--replications R] [--warmup S] [--seed K]
"""
import argparse
import json
import random
import sys
import time
from collections import deque

import simpy

from stats import mean_ci95

# Mirror of bench/serial10.yaml: (name, process time, buffer, failures).
# Distributions: ("exp", mean), ("erlang", k, mean of the sum),
# ("uniform", a, b); failures: (mean time between failures, mean time to
# repair), both exponential, or None.
STATIONS = [
    ("s01", ("exp", 0.8), 2, None),
    ("s02", ("erlang", 2, 0.9), 3, (300.0, 20.0)),
    ("s03", ("exp", 0.85), 4, None),
    ("s04", ("uniform", 0.5, 1.3), 2, None),
    ("s05", ("exp", 0.9), 5, (600.0, 40.0)),
    ("s06", ("erlang", 3, 0.95), 3, None),
    ("s07", ("exp", 0.8), 2, (180.0, 10.0)),
    ("s08", ("exp", 0.9), 4, None),
    ("s09", ("uniform", 0.4, 1.4), 3, None),
    ("s10", ("exp", 0.85), 3, (480.0, 30.0)),
]

IDLE, BUSY, BLOCKED, DOWN = range(4)


def sampler(rng, d):
    if d[0] == "exp":
        rate = 1.0 / d[1]
        return lambda: rng.expovariate(rate)
    if d[0] == "erlang":
        k, rate = d[1], d[1] / d[2]
        return lambda: sum(rng.expovariate(rate) for _ in range(k))
    if d[0] == "uniform":
        a, b = d[1], d[2]
        return lambda: rng.uniform(a, b)
    raise ValueError(d)


class Unit:
    __slots__ = ("created", "arrived")

    def __init__(self, now):
        self.created = now
        self.arrived = now


class Line:
    def __init__(self, env, rng, warmup):
        self.env = env
        self.warmup = warmup
        self.completed = 0
        self.lead_sum = 0.0
        self.st = [Station(self, i, spec, rng) for i, spec in enumerate(STATIONS)]
        for i, s in enumerate(self.st):
            s.next = self.st[i + 1] if i + 1 < len(self.st) else None

    def counting(self):
        return self.env.now >= self.warmup

    def leave(self, u):
        if self.counting():
            self.completed += 1
            self.lead_sum += self.env.now - u.created


class Station:
    def __init__(self, line, idx, spec, rng):
        name, dist, cap, fail = spec
        self.line = line
        self.env = line.env
        self.idx = idx
        self.name = name
        self.cap = cap
        self.process_time = sampler(rng, dist)
        self.q = deque()
        self.waiters = deque()      # upstream stations blocked on this one
        self.state = IDLE
        self.held = None            # unit in process, or finished and blocked
        self.suspended = False      # failed while processing
        self.down_holding = False   # failed while blocked
        self.job = None             # what the server process waits on
        self.timing = False         # the server process is inside its timeout
        self.pending_repair = None  # a failure that came before the timeout began
        self.wait_sum = 0.0
        self.wait_n = 0
        self.proc = self.env.process(self.server())
        if fail:
            self.mtbf = sampler(rng, ("exp", fail[0]))
            self.mttr = sampler(rng, ("exp", fail[1]))
            self.env.process(self.failures())

    # -- the hand-overs (synchronous, like line.c) --------------------------
    def can_accept(self):
        return len(self.q) < self.cap or self.state == IDLE

    def enter(self, u):
        u.arrived = self.env.now
        self.q.append(u)
        self.try_start()

    def start_job(self):
        u = self.q.popleft()
        if self.line.counting():
            self.wait_sum += self.env.now - u.arrived
            self.wait_n += 1
        self.held = u
        self.state = BUSY
        if self.job is not None and not self.job.triggered:
            self.job.succeed()

    def try_start(self):
        if self.state == IDLE and self.q:
            self.start_job()
            self.notify_room()

    def try_push(self):
        d = self.next
        if d is not None and not d.can_accept():
            self.state = BLOCKED
            d.waiters.append(self)
            return
        u, self.held = self.held, None
        if d is not None:
            d.enter(u)
        else:
            self.line.leave(u)
        if self.q:
            self.start_job()
        else:
            self.state = IDLE
        self.try_start()
        self.notify_room()

    def notify_room(self):
        while self.waiters and self.can_accept():
            self.waiters.popleft().try_push()
        if self.idx == 0:
            # Saturated source: keep the buffer full (and the server busy).
            while len(self.q) < self.cap or self.state == IDLE:
                self.enter(Unit(self.env.now))

    # -- processes ----------------------------------------------------------
    def server(self):
        env = self.env
        while True:
            if self.state != BUSY:
                self.job = env.event()
                yield self.job
            if self.pending_repair is not None:
                yield self.pending_repair
            remaining = self.process_time()
            while True:
                t0 = env.now
                self.timing = True
                try:
                    yield env.timeout(remaining)
                    self.timing = False
                    break
                except simpy.Interrupt as i:
                    self.timing = False
                    remaining -= env.now - t0
                    yield i.cause
            self.try_push()

    def failures(self):
        env = self.env
        while True:
            yield env.timeout(self.mtbf())
            repair = self.mttr()
            repaired = None
            if self.state == BUSY:
                self.suspended = True
                repaired = env.event()
                if self.timing:
                    self.proc.interrupt(repaired)
                else:
                    # Job assigned, its timeout not begun (same instant).
                    self.pending_repair = repaired
            elif self.state == BLOCKED:
                self.next.waiters.remove(self)
                self.down_holding = True
            self.state = DOWN
            yield env.timeout(repair)
            if self.suspended:
                self.suspended = False
                self.pending_repair = None
                self.state = BUSY
                repaired.succeed()
            elif self.down_holding:
                self.down_holding = False
                self.state = BLOCKED
                self.try_push()
            else:
                self.state = IDLE
                self.try_start()
                self.notify_room()


def replication(horizon, warmup, seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    line = Line(env, rng, warmup)
    line.st[0].notify_room()   # the saturated source fills the first station
    t0, c0 = time.perf_counter(), time.process_time()
    env.run(until=horizon)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    events = next(env._eid) - len(env._queue)
    span = horizon - warmup
    waits = [s.wait_sum / s.wait_n if s.wait_n else 0.0 for s in line.st]
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "events": events,
        "completed": line.completed,
        "throughput_per_h": line.completed / span * 3600.0,
        "lead_time_s": line.lead_sum / line.completed if line.completed else 0.0,
        "wait_s": waits,
        "wait_total_s": sum(waits),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--horizon", type=float, default=86400.0)
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--warmup", type=float, default=3600.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    reps = [replication(a.horizon, a.warmup, a.seed * 1000003 + r) for r in range(a.replications)]
    out = {
        "engine": "simpy " + simpy.__version__,
        "model": "serial10",
        "replications": a.replications,
        "horizon_s": a.horizon,
        "warmup_s": a.warmup,
        "wall_s": sum(r["wall_s"] for r in reps),
        "cpu_s": sum(r["cpu_s"] for r in reps),
        "events": sum(r["events"] for r in reps),
        "units": sum(r["completed"] for r in reps),
        "throughput_per_h": mean_ci95([r["throughput_per_h"] for r in reps]),
        "lead_time_s": mean_ci95([r["lead_time_s"] for r in reps]),
        "wait_s": [mean_ci95([r["wait_s"][i] for r in reps]) for i in range(len(STATIONS))],
        "stations": [s[0] for s in STATIONS],
        "per_replication": reps,
    }
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
