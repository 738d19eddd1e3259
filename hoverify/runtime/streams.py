"""Concurrent instances: one replica id serving ``K`` instance streams on one socket.

A :class:`~hoverify.runtime.replica.Replica` runs its instances one after the other, so its
throughput is one over the latency of an instance. :class:`Streams` runs ``K`` of them side by
side (PSync's benchmark does the same: ten requests in flight by default), each instance still
deciding one request (or ``batch`` lanes):

* Stream ``s`` (``0 <= s < K``) serves the instances ``s, s + K, s + 2K, ...`` back to back. It is
  a :class:`Replica` of its own that numbers them ``0, 1, 2, ...`` (*local* numbers; local ``i``
  is instance ``i * K + s``), so everything a replica does per instance (rounds, catch-up, late
  and early packets, answering laggards with the decisions, jumping ahead) works per stream
  unchanged.
* Packets carry the *global* instance number. :class:`Streams` owns the socket, reads every
  datagram, hands it to stream ``instance % K`` with the number rewritten to the local one, and
  rewrites the local number of every packet a stream sends back to the global one. A datagram too
  short to carry a header goes to stream 0, which counts it as invalid.
* Decisions, HO-set logs and choice logs are reported under global instance numbers; statistics
  are summed over the streams.
* A crash, a close or an error of the model's code stops every stream: they are one replica.
"""

from __future__ import annotations

import asyncio
import dataclasses
import struct
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from hoverify.dsl import Algorithm
from hoverify.errors import HoverifyError
from hoverify.runtime.config import NetFaults, RuntimeConfig
from hoverify.runtime.replica import INVALID, Address, Decision, Inputs, Replica, bind_udp
from hoverify.runtime.schema import Schema
from hoverify.runtime.wire import HEADER_SIZE

_INSTANCE = struct.Struct("!I")
_AT = 4  # offset of the instance number in the header (version, kind, sender: 4 bytes)
MAX_STREAMS = 1024  # as RuntimeConfig.concurrent


def _renumber(data: bytes, instance: int) -> bytes:
    return data[:_AT] + _INSTANCE.pack(instance) + data[_AT + 4:]


class _Port:
    """What stream ``s`` sends through: the shared socket, with local instance numbers turned
    into global ones."""

    __slots__ = ("sock", "k", "s", "owner")

    def __init__(self, sock: Any, k: int, s: int, owner: Streams) -> None:
        self.sock, self.k, self.s, self.owner = sock, k, s, owner

    def sendto(self, data: bytes, addr: Address) -> None:
        (local,) = _INSTANCE.unpack_from(data, _AT)
        self.sock.sendto(_renumber(data, local * self.k + self.s), addr)

    def close(self) -> None:
        self.owner._stream_stopped(self.s)


class Streams:
    """Replica ``me`` running ``concurrent`` instance streams; see the module docstring. The
    arguments are :class:`Replica`'s, with instance numbers global (``inputs(instance, lane)``,
    ``until``, the decisions given to ``on_decide``)."""

    def __init__(self, model: type[Algorithm], me: int, peers: Sequence[Address], *,
                 concurrent: int, inputs: Inputs, until: int | None = None,
                 first_instance: int | None = 0, config: RuntimeConfig | None = None,
                 faults: NetFaults | None = None,
                 on_decide: Callable[[Any, Decision], None] | None = None,
                 schema: Schema | None = None) -> None:
        k = concurrent
        if not 1 <= k <= MAX_STREAMS:
            raise HoverifyError(f"concurrent instances must be between 1 and {MAX_STREAMS}, "
                                f"not {k}")
        if first_instance not in (0, None):
            raise HoverifyError("concurrent streams start at instance 0 or join (None)")
        self.k = k
        self.me = me
        self.first_instance = first_instance
        self.on_decide = on_decide

        def stream(s: int) -> Replica:
            def local_inputs(i: int, lane: int) -> Any:
                return inputs(i * k + s, lane)

            # stream s serves the instances s + i*k below ``until``: i < ceil((until - s) / k)
            local_until = None if until is None else max(0, -(-(until - s) // k))
            return Replica(model, me, peers, inputs=local_inputs, until=local_until,
                           first_instance=first_instance, config=config, faults=faults,
                           on_decide=None if on_decide is None else self._decided(s),
                           schema=schema, stream=s)

        self.streams = [stream(s) for s in range(k)]
        self.sock: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.done: asyncio.Future[Any] | None = None
        self._stopping = False
        self._crashed = False

    def _decided(self, s: int) -> Callable[[Replica, Decision], None]:
        def report(rep: Replica, dec: Decision) -> None:
            assert self.on_decide is not None
            self.on_decide(self, self._global(dec, s))

        return report

    def _global(self, dec: Decision, s: int) -> Decision:
        return dataclasses.replace(dec, instance=dec.instance * self.k + s)

    # ---- lifecycle ---------------------------------------------------------------------------
    async def start(self, sock: Any = None) -> None:
        """Bind (``peers[me]``, or take the given bound UDP socket, which this then owns and
        closes) and start every stream."""
        loop = asyncio.get_running_loop()
        self.loop = loop
        if sock is None:
            sock = bind_udp(self.streams[0].addrs[self.me])
        sock.setblocking(False)
        self.sock = sock
        for s, rep in enumerate(self.streams):
            rep.attach(loop, _Port(sock, self.k, s, self))
        self.done = asyncio.gather(*[rep.done for rep in self.streams if rep.done])
        self._rx_size = max(rep._rx_size for rep in self.streams)
        loop.add_reader(sock.fileno(), self._readable)
        for rep in self.streams:
            if self.sock is None:  # a stream failed at once and stopped the others
                break
            rep.begin()

    def _readable(self) -> None:
        """Read the queued datagrams (at most 64 per readiness event) and hand each to its
        stream."""
        sock = self.sock
        if sock is None:
            return
        recv, size, k, streams = sock.recvfrom, self._rx_size, self.k, self.streams
        unpack = _INSTANCE.unpack_from
        for _ in range(64):
            try:
                data, addr = recv(size)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ICMP port unreachable on loopback when a peer is down
                streams[0].stats["icmp"] += 1
                return
            if len(data) < HEADER_SIZE:
                streams[0].datagram_received(data, addr)
            else:
                (inst,) = unpack(data, _AT)
                streams[inst % k].datagram_received(_renumber(data, inst // k), addr)
            if self.sock is not sock:  # stopped (crash, close, error)
                return

    def crash(self) -> None:
        """Crash-stop every stream at once."""
        self._crashed = True
        self._stop(Replica.crash)

    def close(self) -> None:
        self._stop(Replica.close)

    def _stop(self, how: Callable[[Replica], None]) -> None:
        self._stopping = True
        for rep in self.streams:
            if rep.sock is not None:  # else stopped already (its own error, or before)
                how(rep)
        sock, self.sock = self.sock, None
        if sock is not None:
            if self.loop is not None and not self.loop.is_closed():
                self.loop.remove_reader(sock.fileno())
            sock.close()

    def _stream_stopped(self, s: int) -> None:
        """A stream closed its port: on an error of the model's code, stop the others."""
        if not self._stopping and self.streams[s].state == "failed":
            self.close()

    # ---- what a Replica reports, over all streams ---------------------------------------------
    @property
    def state(self) -> str:
        states = {rep.state for rep in self.streams}
        for st in ("failed", "crashed", "closed"):
            if st in states:
                return st
        if states == {"finished"}:
            return "finished"
        if states & {"running", "idle"}:
            return "running" if "running" in states else "idle"
        return "joining" if "joining" in states else "finished"

    @property
    def finished(self) -> bool:
        return all(rep.finished for rep in self.streams)

    @property
    def running(self) -> bool:
        return any(rep.running for rep in self.streams)

    @property
    def inst(self) -> int:
        """The first instance not yet done (the smallest a stream is at)."""
        return min(rep.inst * self.k + s for s, rep in enumerate(self.streams))

    @property
    def error(self) -> str | None:
        return next((rep.error for rep in self.streams if rep.error), None)

    @property
    def decisions(self) -> list[Decision]:
        decs = [self._global(d, s) for s, rep in enumerate(self.streams) for d in rep.decisions]
        decs.sort(key=lambda d: d.instance)
        return decs

    @property
    def stats(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for rep in self.streams:
            total.update(rep.stats)
        return total

    @property
    def ho_log(self) -> dict[int, tuple[tuple[int, int], ...]]:
        return {i * self.k + s: v for s, rep in enumerate(self.streams)
                for i, v in rep.ho_log.items()}

    @property
    def choice_log(self) -> dict[int, dict[tuple[int, int, int], tuple[Any, ...]]]:
        return {i * self.k + s: v for s, rep in enumerate(self.streams)
                for i, v in rep.choice_log.items()}

    def invalid_counts(self) -> dict[str, int]:
        stats = self.stats
        return {k: stats[k] for k in INVALID if stats[k]}


def make_replica(model: type[Algorithm], me: int, peers: Sequence[Address], *,
                 inputs: Inputs, until: int | None = None, first_instance: int | None = 0,
                 config: RuntimeConfig | None = None, faults: NetFaults | None = None,
                 on_decide: Callable[[Any, Decision], None] | None = None,
                 schema: Schema | None = None) -> Replica | Streams:
    """A :class:`Replica`, or :class:`Streams` if ``config.concurrent`` is more than 1."""
    k = config.concurrent if config is not None else 1
    if k == 1:
        return Replica(model, me, peers, inputs=inputs, until=until,
                       first_instance=first_instance, config=config, faults=faults,
                       on_decide=on_decide, schema=schema)
    return Streams(model, me, peers, concurrent=k, inputs=inputs, until=until,
                   first_instance=first_instance, config=config, faults=faults,
                   on_decide=on_decide, schema=schema)


__all__ = ["Streams", "make_replica", "MAX_STREAMS"]
