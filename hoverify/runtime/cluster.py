"""A cluster of replicas on loopback in one process (asyncio tasks): tests, ``run --inprocess``.

Crash-stop (``crash={replica: seconds}``) and restart (``restart={replica: seconds}``: a fresh
replica with the same id and address that joins the instances in progress) are scheduled on the
event loop. The run ends when every replica that is up has finished its instances (a restarted
replica that has not joined an instance yet does not count), or at the deadline; every socket is
closed before :func:`run_cluster` returns.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hoverify.dsl import Algorithm
from hoverify.runtime.config import NetFaults, RuntimeConfig, value_for
from hoverify.runtime.replica import Address, Decision, Replica, bind_udp
from hoverify.runtime.schema import schema_of
from hoverify.runtime.streams import Streams, make_replica


@dataclass
class ReplicaReport:
    """What one replica id did over the run (all its incarnations)."""

    id: int
    decisions: list[Decision] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    ho_log: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    choice_log: dict[int, dict[tuple[int, int, int], tuple[Any, ...]]] = field(
        default_factory=dict)
    crashed: bool = False
    restarted: bool = False
    #: the decisions of the incarnations started by a restart (a subset of ``decisions``)
    after_restart: list[Decision] = field(default_factory=list)
    finished: bool = False
    error: str | None = None


@dataclass
class ClusterResult:
    n: int
    instances: int
    reports: list[ReplicaReport]
    inputs: Callable[[int, int, int], Any]  # (replica, instance, lane) -> initial value
    timed_out: bool
    seconds: float
    model: type[Algorithm]  # what ran: its properties are checked (runtime.checks)

    def errors(self) -> list[str]:
        return [r.error for r in self.reports if r.error]


def bind_sockets(n: int, host: str = "127.0.0.1") -> list[socket.socket]:
    """``n`` UDP sockets bound to free ports of ``host``."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind((host, 0))
            s.setblocking(False)
    except OSError:
        for s in socks:
            s.close()
        raise
    return socks


def make_inputs(seed: int, domain: Sequence[Any],
                fixed: Sequence[Any] | None) -> Callable[[int, int, int], Any]:
    def inputs(replica: int, instance: int, lane: int) -> Any:
        return value_for(seed, domain, replica, instance, lane, fixed)

    return inputs


async def run_cluster(model: type[Algorithm], n: int, instances: int, *,
                      config: RuntimeConfig | None = None, faults: NetFaults | None = None,
                      crash: Mapping[int, float] | None = None,
                      restart: Mapping[int, float] | None = None,
                      values: Sequence[Any] | None = None, fixed: Sequence[Any] | None = None,
                      deadline: float = 30.0,
                      on_decide: Callable[[Any, Decision], None] | None = None,
                      host: str = "127.0.0.1") -> ClusterResult:
    """Run ``instances`` consensus instances of ``model`` on ``n`` replicas in this process.

    Initial values: ``fixed[p]`` for replica ``p`` if given, else drawn from ``values`` (default:
    the model's ``values``) by :func:`~hoverify.runtime.config.value_for`. A crash time ``0``
    means the replica never starts.
    """
    config = config or RuntimeConfig()
    faults = faults or NetFaults()
    crash = dict(crash or {})
    restart = dict(restart or {})
    domain = tuple(values) if values is not None else tuple(model.values)
    inputs = make_inputs(config.seed, domain, fixed)
    schema = schema_of(model, n)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    socks = bind_sockets(n, host)
    addrs: list[Address] = [s.getsockname()[:2] for s in socks]
    reports = [ReplicaReport(p) for p in range(n)]
    current: list[Replica | Streams | None] = [None] * n
    retired: list[Replica | Streams] = []
    handles: list[asyncio.TimerHandle] = []

    def make(p: int, first: int | None) -> Replica | Streams:
        return make_replica(model, p, addrs, inputs=functools.partial(inputs, p),
                            until=instances, first_instance=first, config=config, faults=faults,
                            on_decide=on_decide, schema=schema)

    def do_crash(p: int) -> None:
        rep = current[p]
        if rep is not None and rep.state not in ("finished", "closed"):
            rep.crash()
            reports[p].crashed = True

    async def do_restart(p: int) -> None:
        old = current[p]
        if old is not None:
            if old.state != "crashed":
                return
            retired.append(old)
        rep = make(p, None)
        current[p] = rep
        reports[p].restarted = True
        await rep.start(bind_udp(addrs[p]))

    tasks: list[asyncio.Task[None]] = []

    def schedule_restart(p: int) -> None:
        tasks.append(loop.create_task(do_restart(p)))

    try:
        for p in range(n):
            if crash.get(p, 1.0) <= 0.0:
                socks[p].close()
                reports[p].crashed = True
                continue
            rep = make(p, 0)
            current[p] = rep
            await rep.start(socks[p])
        for p, t in crash.items():
            if t > 0.0:
                handles.append(loop.call_later(t, do_crash, p))
        for p, t in restart.items():
            handles.append(loop.call_later(t, schedule_restart, p))

        timed_out = False
        end = t0 + deadline
        while True:
            # a joining (restarted) replica only counts once it has joined an instance: when
            # everyone else is done there is nothing left to join
            up = [r for r in current if r is not None and r.state in ("running", "idle")]
            if not up:
                break
            if loop.time() >= end:
                timed_out = True
                break
            waits = [r.done for r in up if r.done is not None]
            if waits:
                await asyncio.wait(waits, timeout=min(0.05, max(end - loop.time(), 0.0)),
                                   return_when=asyncio.FIRST_COMPLETED)
            else:
                await asyncio.sleep(0.01)
    finally:
        for h in handles:
            h.cancel()
        for task in tasks:
            if not task.done():
                task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for rep in [*retired, *[r for r in current if r is not None]]:
            rep.close()
        await asyncio.sleep(0)  # let the transports finish closing
        for s in socks:
            try:
                s.close()
            except OSError:  # pragma: no cover
                pass
    for p in range(n):
        incarnations = [r for r in retired if r.me == p]
        if current[p] is not None:
            incarnations.append(current[p])  # type: ignore[arg-type]
        rp = reports[p]
        for rep in incarnations:
            rp.decisions.extend(rep.decisions)
            if rep.first_instance is None:  # started by a restart
                rp.after_restart.extend(rep.decisions)
            for k, v in rep.stats.items():
                rp.stats[k] = rp.stats.get(k, 0) + v
            rp.ho_log.update(rep.ho_log)
            rp.choice_log.update(rep.choice_log)
            if rep.error:
                rp.error = rep.error
        last = current[p]
        rp.finished = last is not None and last.state in ("finished", "closed") and (
            not rp.crashed or rp.restarted) and last.inst >= instances
    return ClusterResult(n, instances, reports, inputs, timed_out, loop.time() - t0, model)


__all__ = ["run_cluster", "ClusterResult", "ReplicaReport", "bind_sockets", "make_inputs"]
