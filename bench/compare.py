#!/usr/bin/python3
"""compare.py - celltwin against SimPy 3 on the same models, side by side
(run by bench/run.sh, i.e. `make bench`; never part of the tests).

Models, each written for both engines with the same semantics:
  mm1       bench/mm1.yaml       / bench/mm1_simpy.py       M/M/1, lambda 0.8, mu 1
  serial10  bench/serial10.yaml  / bench/serial10_simpy.py  10 stations, finite buffers,
                                                            blocking, failures (preempt-resume)
Each model also runs a third way: bench/bench_api.c, the same model written
by hand on celltwin's engine API (as the SimPy scripts are written on
SimPy's, and cimba's benchmarks on cimba's), which follows exactly the
sample path of `celltwin run` (checked here): its rate is what the engine
alone achieves on the model, the difference to `celltwin run` what the
general line model costs.
Each engine runs several replications (celltwin through its command line,
`celltwin run --replications R --threads 1 --json`, timed from outside, so
loading and start-up count against it; SimPy in its own script, timed
around env.run). The two engines run different amounts of simulated time:
SimPy is far slower, so it runs fewer units, and what is compared is the
rate: units per CPU second (user + system time; on a shared machine it is
less disturbed by other work than wall time, which is shown too). For each
model it prints and appends to bench/results.md: simulated units per CPU
second of each engine and their ratio, events per CPU second (counted
differently, see EVENTS_NOTE), and
whether the two agree on throughput and on mean waiting time: the
difference of the means lies within the 95 % interval of the difference,
sqrt(h1^2 + h2^2), h being each engine's 95 % half-width.

Usage: compare.py --build BUILD [--results bench/results.md]
                  [--engine-output FILE] [--quick]
"""
import argparse
import datetime
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"   # Debian's, which sees python3-simpy3

EVENTS_NOTE = (
    "Events: celltwin's are the `events` field of its JSON (events executed by "
    "its engine: arrivals, completions, failures, repairs, timers), summed over "
    "replications. SimPy's are the entries pushed onto env._queue, read from the "
    "env._eid counter that Environment.schedule() draws from once per push, less "
    "those still queued at the end: every Timeout, process start and resumption, "
    "resource grant and interrupt. SimPy needs more events per unit for the same "
    "model, so compare units per CPU second across engines, events per CPU second "
    "only within one.")


def lscpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown"


def git_commit():
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_timed(cmd):
    """Runs cmd, which prints one JSON object; adds its wall and CPU time."""
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    r1, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter() - t0
    d = json.loads(out)
    d["wall_s"] = wall
    d["cpu_s"] = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    return d


def run_celltwin(build, factory, horizon, warmup, reps):
    return run_timed([os.path.join(build, "celltwin"), "run", os.path.join(HERE, factory),
                      "--horizon", repr(horizon), "--warmup", repr(warmup), "--seed", "1",
                      "--replications", str(reps), "--threads", "1", "--json"])


def run_engine_api(build, model, horizon, warmup, reps):
    """bench_api: the model on the engine API."""
    return run_timed([os.path.join(build, "bench", "bench_api"), model, "--horizon", repr(horizon),
                      "--warmup", repr(warmup), "--seed", "1", "--replications", str(reps)])


def same_path(ct, api):
    """Do `celltwin run` and bench_api report the same replications?
    Counts exactly, means to 1e-9 (the means are summed in the same order,
    but celltwin's JSON rounds them to 12 digits)."""
    close = lambda a, b: abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)
    return (ct["completed"] == api["completed"] and ct["events"] == api["events"]
            and close(ct["throughput_per_h"], api["throughput_per_h"])
            and close(ct["lead_time_mean_s"], api["lead_time_mean_s"])
            and all(close(s["mean_wait_s"], w) for s, w in zip(ct["stations"], api["mean_wait_s"])))


def add_api_row(rows, verdict, ct, api, wait):
    """The engine-API row (wait: its waiting time compared), between
    celltwin's and SimPy's, and its ratio to SimPy."""
    reps = api["replications"]
    units, events = api["completed"] * reps, api["events"] * reps
    rows.insert(1, dict(engine="celltwin engine API", reps=reps, units=units,
                        wall=api["wall_s"], cpu=api["cpu_s"], ups=units / api["cpu_s"],
                        events=events, eps=events / api["cpu_s"],
                        th="%.4g" % api["throughput_per_h"], wait="%.4g" % wait))
    verdict["extra"] += ("%sthe same model on the engine API (bench/bench_api.c): units per CPU "
                         "second **%.0fx** SimPy's, same sample path as `celltwin run`: %s" % (
                             "; " if verdict["extra"] else "", rows[1]["ups"] / rows[2]["ups"],
                             "yes" if same_path(ct, api) else "NO"))


def run_simpy(script, args):
    cmd = [PYTHON, os.path.join(HERE, script)] + args
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def agree(m1, h1, m2, h2):
    return abs(m1 - m2) <= math.sqrt(h1 * h1 + h2 * h2)


def fmt(m, h):
    return "%.4g ± %.2g" % (m, h)


def compare_model(name, ct, sp, ct_wait, sp_wait, extra):
    """Rows of one model; ct_wait/sp_wait: (mean, half) of the waiting time compared."""
    reps = ct["replications"]
    ct_units = ct["completed"] * reps
    ct_events = ct["events"] * reps
    rows = [
        dict(engine="celltwin", reps=reps, units=ct_units, wall=ct["wall_s"], cpu=ct["cpu_s"],
             ups=ct_units / ct["cpu_s"], events=ct_events, eps=ct_events / ct["cpu_s"],
             th=fmt(ct["throughput_per_h"], ct["ci95"]["throughput_per_h"]),
             wait=fmt(*ct_wait)),
        dict(engine=sp["engine"], reps=sp["replications"], units=sp["units"], wall=sp["wall_s"],
             cpu=sp["cpu_s"], ups=sp["units"] / sp["cpu_s"], events=sp["events"],
             eps=sp["events"] / sp["cpu_s"],
             th=fmt(sp["throughput_per_h"]["mean"], sp["throughput_per_h"]["ci95"]),
             wait=fmt(sp_wait[0], sp_wait[1])),
    ]
    th = (ct["throughput_per_h"], ct["ci95"]["throughput_per_h"],
          sp["throughput_per_h"]["mean"], sp["throughput_per_h"]["ci95"])
    wt = (ct_wait[0], ct_wait[1], sp_wait[0], sp_wait[1])
    verdict = dict(model=name, ratio=rows[0]["ups"] / rows[1]["ups"],
                   eratio=rows[0]["eps"] / rows[1]["eps"], th=th, wait=wt, extra=extra)
    return rows, verdict


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--results", default=os.path.join(HERE, "results.md"))
    ap.add_argument("--engine-output", help="output of bench_engine, copied into the results")
    ap.add_argument("--quick", action="store_true", help="a small run, to try the script")
    a = ap.parse_args()
    scale = 0.05 if a.quick else 1.0
    # Ten replications each: with fewer, the half-widths themselves are
    # too noisy (t(0.975, 4) = 2.78) for a fair agreement check.
    reps = 10
    warmup = 1000.0

    load_start = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    models = []
    # M/M/1: 1 million customers per replication in celltwin (10 million
    # in all), 100 000 in SimPy (1 million in all).
    ct_cust, sp_cust = 1e6 * scale, 1e5 * scale
    print("== M/M/1: celltwin %d x %.0f customers, SimPy %d x %.0f" % (reps, ct_cust, reps, sp_cust),
          flush=True)
    ct = run_celltwin(a.build, "mm1.yaml", ct_cust / 0.8, warmup, reps)
    api = run_engine_api(a.build, "mm1", ct_cust / 0.8, warmup, reps)
    sp = run_simpy("mm1_simpy.py", ["--customers", repr(sp_cust), "--replications", str(reps),
                                    "--warmup", repr(warmup)])
    st, sh = ct["stations"][0], ct["ci95"]["stations"][0]
    rows, v = compare_model("mm1", ct, sp, (st["mean_wait_s"], sh["mean_wait_s"]),
                            (sp["wait_s"]["mean"], sp["wait_s"]["ci95"]), "")
    add_api_row(rows, v, ct, api, api["mean_wait_s"][0])
    models.append(("mm1", "M/M/1 (lambda 0.8, mu 1); waiting time = Wq, exact 4 s, "
                   "throughput exact 2880/h", (rows, v)))

    # serial10: 5 simulated days per replication in celltwin, half a day
    # in SimPy.
    ct_h, sp_h = 5 * 86400.0 * scale, 43200.0 * max(scale, 0.2)
    print("== serial10: celltwin %d x %.0f s, SimPy %d x %.0f s" % (reps, ct_h, reps, sp_h), flush=True)
    ct = run_celltwin(a.build, "serial10.yaml", ct_h, 3600.0, reps)
    api = run_engine_api(a.build, "serial10", ct_h, 3600.0, reps)
    sp = run_simpy("serial10_simpy.py", ["--horizon", repr(sp_h), "--replications", str(reps),
                                         "--warmup", "3600"])
    n_ok = sum(agree(s["mean_wait_s"], h["mean_wait_s"], w["mean"], w["ci95"])
               for s, h, w in zip(ct["stations"], ct["ci95"]["stations"], sp["wait_s"]))
    extra = "mean waiting time per station: %d of %d stations agree" % (n_ok, len(sp["wait_s"]))
    rows, v = compare_model("serial10", ct, sp,
                            (ct["lead_time_mean_s"], ct["ci95"]["lead_time_mean_s"]),
                            (sp["lead_time_s"]["mean"], sp["lead_time_s"]["ci95"]), extra)
    add_api_row(rows, v, ct, api, api["lead_time_mean_s"])
    models.append(("serial10", "10-station line, saturated source, finite buffers, blocking, "
                   "failures; waiting time = lead time (time in the line)", (rows, v)))

    # Report.
    head = ("| model | engine | reps | units | wall s | CPU s | units/CPU-s | events | "
            "events/CPU-s | throughput/h ± ci95 | waiting s ± ci95 |")
    lines = [head, "|" + "---|" * 11]
    verdicts = []
    for name, what, (rows, v) in models:
        for r in rows:
            lines.append("| %s | %s | %d | %.0f | %.2f | %.2f | %.3g | %.0f | %.3g | %s | %s |" % (
                name, r["engine"], r["reps"], r["units"], r["wall"], r["cpu"], r["ups"],
                r["events"], r["eps"], r["th"], r["wait"]))
        verdicts.append((name, what, v))
    table = "\n".join(lines)
    summary = []
    def verdict_text(label, m1, h1, m2, h2):
        return "%s agrees: %s (difference %.3g, 95 %% bound %.3g)" % (
            label, "yes" if agree(m1, h1, m2, h2) else "NO", abs(m1 - m2), math.hypot(h1, h2))

    for name, what, v in verdicts:
        summary.append("- **%s** (%s): celltwin/SimPy units per CPU second **%.0fx** (events "
                       "per CPU second %.0fx); %s; %s%s" % (
                           name, what, v["ratio"], v["eratio"],
                           verdict_text("throughput", *v["th"]),
                           verdict_text("waiting time", *v["wait"]),
                           "; " + v["extra"] if v["extra"] else ""))
    print()
    print(table)
    print()
    print("\n".join(summary))
    print()
    print(EVENTS_NOTE)

    load_end = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = [
        "## %s%s" % (now, " (quick run)" if a.quick else ""),
        "",
        "- machine: %s, %d cores (`lscpu`), %s" % (lscpu_model(), os.cpu_count() or 0,
                                                   platform.platform()),
        "- commit: %s" % git_commit(),
        "- celltwin: one thread per run (`--threads 1`), timed around the `celltwin run` "
        "process (its start-up and file loading count), and so the engine-API rows around the "
        "`bench_api` process; SimPy %s on Python %s, timed around "
        "`env.run`" % (models[0][2][0][-1]["engine"].split()[-1], platform.python_version()),
        "- rates are per CPU second (user + system time of the process), which other work on "
        "the machine disturbs less than wall time; load average (1 min) %s at the start, %s at "
        "the end" % (load_start, load_end),
        "- SimPy runs about a tenth of celltwin's simulated units (M/M/1: 1 million customers "
        "against 10 million; serial10: half a day per replication against 5 days), so rates "
        "are compared, not totals",
        "- agreement: the two means differ by less than sqrt(h1^2 + h2^2), the 95 % "
        "half-width of their difference",
        "",
        table,
        "",
    ] + summary + ["", EVENTS_NOTE, ""]
    if a.engine_output:
        with open(a.engine_output) as f:
            section += ["Engine benchmark (`bench_engine`):", "", "```", f.read().rstrip(), "```", ""]
    new = not os.path.exists(a.results)
    with open(a.results, "a") as f:
        if new:
            f.write("# Benchmark results\n\nEach section is appended by `make bench` "
                    "(bench/run.sh): the machine, the date, the commit and the figures.\n"
                    "Models and method: bench/compare.py.\n\n")
        f.write("\n".join(section) + "\n")
    print("appended to %s" % os.path.relpath(a.results, os.getcwd()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
