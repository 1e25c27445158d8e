"""stats.py - mean and 95 % confidence half-width over replications for the
SimPy benchmark scripts, computed the way celltwin computes its ci95
(Student t with R-1 degrees of freedom, sample standard deviation), so the
two engines' intervals mean the same thing. No SciPy: the t quantiles for
up to 30 degrees of freedom are tabulated (any statistics table)."""
import math

# t(0.975, df) for df = 1..30
T975 = [12.7062047362, 4.30265272975, 3.18244630528, 2.7764451052, 2.57058183661,
        2.44691185114, 2.36462425159, 2.30600413520, 2.26215716280, 2.22813885196,
        2.20098516009, 2.17881282966, 2.16036865646, 2.14478668792, 2.13144954556,
        2.11990529922, 2.10981557783, 2.10092204024, 2.09302405441, 2.08596344727,
        2.07961384473, 2.07387306790, 2.06865761042, 2.06389856163, 2.05953855275,
        2.05552943864, 2.05183051648, 2.04840714180, 2.04522964213, 2.04227245630]


def t975(df):
    if df < 1:
        return 0.0
    return T975[df - 1] if df <= len(T975) else 1.959963984540054


def mean_ci95(xs):
    """{"mean": m, "ci95": h} of the values xs."""
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return {"mean": m, "ci95": 0.0}
    ss = sum((x - m) ** 2 for x in xs)
    return {"mean": m, "ci95": t975(n - 1) * math.sqrt(ss / (n - 1) / n)}
