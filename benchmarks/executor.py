"""Executor throughput: the One-Third Rule under random omissions.

Runs ``models/otr.py`` with n = 100 and n = 1000 under ``omit:0.1`` (each message lost with
probability 0.1), initial values from {0, 1, 2}, with the adversary, the HO normalisation and the
property checks (agreement, validity, irrevocability) included, and prints message deliveries per
second (median of 5 runs). The last line is the figure for n = 1000.

    python benchmarks/executor.py [--runs 5] [--values 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hoverify.executor import run  # noqa: E402
from hoverify.loader import load_model  # noqa: E402


def measure(model: type, n: int, rounds: int, runs: int, values: tuple[int, ...],
            adversary: str) -> tuple[float, int, float, float]:
    """Median deliveries/s (wall clock), deliveries per run, median seconds per run, and
    median deliveries per CPU second (less sensitive to a loaded machine)."""
    rates, cpu_rates, secs = [], [], []
    deliveries = 0
    for seed in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        trace = run(model, n, rounds, adversary, seed=seed, values=values)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        assert trace.violation is None, trace.violation
        deliveries = trace.deliveries
        rates.append(trace.deliveries / dt)
        cpu_rates.append(trace.deliveries / max(dc, 1e-9))
        secs.append(dt)
    return (statistics.median(rates), deliveries, statistics.median(secs),
            statistics.median(cpu_rates))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--values", type=int, default=3, help="size of the initial value domain")
    ap.add_argument("--adversary", default="omit:0.1")
    args = ap.parse_args()
    model = load_model(ROOT / "models" / "otr.py")
    values = tuple(range(args.values))
    results = []
    for n, rounds in ((100, 200), (1000, 10)):
        rate, deliveries, secs, cpu = measure(model, n, rounds, args.runs, values,
                                              args.adversary)
        results.append((n, rate))
        print(f"n={n:<5} rounds={rounds:<4} adversary={args.adversary}  "
              f"{deliveries} deliveries/run  median {secs * 1000:.0f} ms/run  "
              f"{rate:,.0f} deliveries/s ({cpu:,.0f} per CPU second)")
    n, rate = results[-1]
    print(f"{rate:.0f}")


if __name__ == "__main__":
    main()
