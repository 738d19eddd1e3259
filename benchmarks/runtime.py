"""Runtime throughput: LastVoting with n = 3 replicas over UDP on loopback.

Runs consensus instances for ``--duration`` seconds (default 10) and prints instances decided per
second (an instance counts once every replica has finished it) and the p50/p99 latency (from the
start of an instance at a replica to its decision there), for three setups:

* ``--batch`` requests per instance (lanes: independent LastVoting instances decided in the same
  rounds and packets; every lane runs the model's code), one instance after the other;
* one request per instance, one instance after the other (the rate is one over the latency);
* one request per instance, ``--concurrent`` instances in progress at once per replica (streams,
  :mod:`hoverify.runtime.streams`). PSync's throughput test keeps ten requests in flight by
  default (``PerfTest2``'s ``-rt 10``): this is the setup its figure (3,600 instances per second
  for LastVoting with 3 replicas on one machine) compares with, hence the default 10.

Each replica is its own OS process by default (``--inprocess``: asyncio tasks in one process).
Each measurement also gives the CPU time (user + system, all replicas) per instance: on a shared
machine it varies much less than the rate, which depends on how much of the cores the replicas
get. The last line is instances per second with one request per instance and ``--concurrent``
instances in progress.

    python benchmarks/runtime.py [--duration 10] [--batch 16] [--concurrent 10] [--inprocess]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hoverify.loader import load_model  # noqa: E402
from hoverify.runtime.cluster import bind_sockets  # noqa: E402
from hoverify.runtime.config import RuntimeConfig, value_for  # noqa: E402
from hoverify.runtime.replica import Replica  # noqa: E402
from hoverify.runtime.streams import Streams, make_replica  # noqa: E402

N = 3
MODEL = ROOT / "models" / "lastvoting.py"


Setup = tuple[int, int]  # (batch, concurrent)


def _replica(model: Any, me: int, addrs: list[tuple[str, int]], setup: Setup
             ) -> Replica | Streams:
    batch, concurrent = setup
    return make_replica(model, me, addrs,
                        inputs=lambda i, lane: value_for(0, (0, 1, 2, 3), me, i, lane),
                        until=None, config=RuntimeConfig(batch=batch, concurrent=concurrent,
                                                         timeout=0.01))


Summary = tuple[int, list[float], float]  # instances, latencies, CPU seconds


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _summary(rep: Replica | Streams, cpu: float) -> Summary:
    return len(rep.decisions), [d.latency for d in rep.decisions], cpu


async def _inprocess(setup: Setup, duration: float) -> list[Summary]:
    model = load_model(MODEL)
    socks = bind_sockets(N)
    addrs = [s.getsockname()[:2] for s in socks]
    reps = [_replica(model, p, addrs, setup) for p in range(N)]
    cpu0 = _cpu()
    for rep, s in zip(reps, socks):
        await rep.start(s)
    await asyncio.sleep(duration)
    for rep in reps:
        rep.close()
    cpu = _cpu() - cpu0
    await asyncio.sleep(0)
    return [_summary(r, cpu / N) for r in reps]


def _child(me: int, fd_sock: Any, addrs: list[tuple[str, int]], setup: Setup, duration: float,
           start_at: float, out: Any) -> None:
    async def main() -> Summary:
        model = load_model(MODEL)
        rep = _replica(model, me, addrs, setup)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        cpu0 = _cpu()
        await rep.start(fd_sock)
        await asyncio.sleep(duration)
        rep.close()
        cpu = _cpu() - cpu0
        await asyncio.sleep(0)
        return _summary(rep, cpu)

    out.put((me, asyncio.run(main())))


def _processes(setup: Setup, duration: float) -> list[Summary]:
    ctx = mp.get_context("fork")
    socks = bind_sockets(N)
    addrs = [s.getsockname()[:2] for s in socks]
    q = ctx.Queue()
    start_at = time.time() + 1.0  # every child has loaded the model by then
    procs = [ctx.Process(target=_child, args=(p, socks[p], addrs, setup, duration, start_at, q))
             for p in range(N)]
    for pr in procs:
        pr.start()
    results = dict(q.get(timeout=duration + 60) for _ in procs)
    for pr in procs:
        pr.join()
    for s in socks:
        s.close()
    return [results[p] for p in range(N)]


def measure(setup: Setup, duration: float, inprocess: bool
            ) -> tuple[float, float, float, float]:
    """(instances/s, p50 ms, p99 ms, CPU µs per instance over all replicas)."""
    if inprocess:
        res = asyncio.run(_inprocess(setup, duration))
    else:
        res = _processes(setup, duration)
    done = min(count for count, _, _ in res)
    lat = sorted(x for _, lats, _ in res for x in lats)
    p50 = statistics.median(lat) * 1000 if lat else float("nan")
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000 if lat else float("nan")
    cpu = sum(c for _, _, c in res) / done * 1e6 if done else float("nan")
    return done / duration, p50, p99, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    ap.add_argument("--batch", type=int, default=16, help="requests per instance when batching")
    ap.add_argument("--concurrent", type=int, default=10,
                    help="instances in progress at once in the concurrent setup (default 10)")
    ap.add_argument("--inprocess", action="store_true", help="replicas as tasks in one process")
    args = ap.parse_args()
    mode = "in-process" if args.inprocess else "one process per replica"
    print(f"LastVoting n={N} on loopback, {mode}, {args.duration:g} s per measurement")
    rate_b, p50_b, p99_b, cpu_b = measure((args.batch, 1), args.duration, args.inprocess)
    print(f"batch={args.batch}: {rate_b:,.0f} instances/s = {rate_b * args.batch:,.0f} "
          f"requests/s; latency p50 {p50_b:.2f} ms, p99 {p99_b:.2f} ms; CPU {cpu_b:,.0f} µs "
          f"per instance")
    rate, p50, p99, cpu = measure((1, 1), args.duration, args.inprocess)
    print(f"batch=1, one instance at a time: {rate:,.0f} instances/s; latency p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms; CPU {cpu:,.0f} µs per instance")
    k = args.concurrent
    rate, p50, p99, cpu = measure((1, k), args.duration, args.inprocess)
    print(f"batch=1, concurrent={k}: {rate:,.0f} instances/s; latency p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms; CPU {cpu:,.0f} µs per instance")
    print(f"instances per second: {rate:.0f}")


if __name__ == "__main__":
    main()
