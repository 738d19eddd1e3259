"""Fault injection on the sending side: drops, duplicates, delays and reordering."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from hoverify.runtime.config import NetFaults


class Sender:
    """Sends datagrams through ``transport`` (anything with ``sendto(data, addr)``: the
    replica), injecting the faults of ``faults`` (seeded)."""

    __slots__ = ("transport", "faults", "rng", "loop", "closed", "sent", "dropped",
                 "duplicated", "delayed", "_handles")

    def __init__(self, transport: Any, faults: NetFaults, seed: Any,
                 loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self.faults = faults
        self.rng = random.Random(seed)
        self.loop = loop
        self.closed = False
        self.sent = self.dropped = self.duplicated = self.delayed = 0
        self._handles: set[asyncio.TimerHandle] = set()

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.closed:
            return
        f = self.faults
        rng = self.rng
        if f.drop and rng.random() < f.drop:
            self.dropped += 1
            return
        copies = 1
        if f.duplicate and rng.random() < f.duplicate:
            copies = 2
            self.duplicated += 1
        for _ in range(copies):
            d = f.delay
            if f.jitter:
                d += rng.random() * f.jitter
            if f.reorder and rng.random() < f.reorder:
                d += f.reorder_delay
            if d > 0:
                self.delayed += 1
                h: asyncio.TimerHandle = self.loop.call_later(d, self._later, data, addr)
                self._handles.add(h)
            else:
                self.sent += 1
                self.transport.sendto(data, addr)

    def _later(self, data: bytes, addr: tuple[str, int]) -> None:
        # drop finished handles lazily: keep the set from growing without bound
        if len(self._handles) > 4096:
            self._handles = {h for h in self._handles if not h.cancelled()
                             and h.when() > self.loop.time()}
        if not self.closed:
            self.sent += 1
            self.transport.sendto(data, addr)

    def close(self) -> None:
        self.closed = True
        for h in self._handles:
            h.cancel()
        self._handles.clear()


__all__ = ["Sender"]
