"""Configuration of the runtime: round policies, network fault injection, initial values."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hoverify.errors import HoverifyError


@dataclass(frozen=True)
class RoundPolicy:
    """When a round ends: after ``timeout`` seconds, or as soon as ``enough`` distinct processes
    (the replica itself included) have been heard in the round (a message or the empty marker);
    ``enough=None`` means every process."""

    timeout: float
    enough: int | None = None


@dataclass(frozen=True)
class NetFaults:
    """Faults injected on every packet a replica sends (the runtime's own network is loopback).

    ``drop``: probability a packet is lost; ``duplicate``: probability it is sent twice;
    ``delay`` + uniform ``[0, jitter]`` seconds before it leaves; ``reorder``: probability it is
    held back ``reorder_delay`` more seconds (so later packets overtake it)."""

    drop: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    jitter: float = 0.0
    reorder: float = 0.0
    reorder_delay: float = 0.002

    def __post_init__(self) -> None:
        for name in ("drop", "duplicate", "reorder"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise HoverifyError(f"{name} probability must be in [0, 1], not {v}")
        for name in ("delay", "jitter", "reorder_delay"):
            v = getattr(self, name)
            if not 0.0 <= v <= 60.0:
                raise HoverifyError(f"{name} must be between 0 and 60 seconds, not {v}")

    @property
    def active(self) -> bool:
        return bool(self.drop or self.duplicate or self.delay or self.jitter or self.reorder)

    @property
    def expected_delay(self) -> float:
        """A typical one-way delay the faults add (for the default round timeout)."""
        return self.delay + self.jitter + (self.reorder_delay if self.reorder else 0.0)


@dataclass(frozen=True)
class RuntimeConfig:
    """How replicas run rounds.

    ``timeout``: the default round timeout in seconds (``None``: derived from ``delay``, the
    expected one-way network delay); ``rounds``: per-round overrides by round class name;
    ``batch``: lanes (independent instances decided in the same rounds and packets);
    ``concurrent``: instances in progress at once per replica (streams of instances on one
    socket, :mod:`hoverify.runtime.streams`; 1: one instance after the other);
    ``window``: how many rounds ahead of its own a packet may be and still make the replica
    catch up (farther is dropped as ``round``); ``max_rounds``: rounds per instance before the
    instance is given up;
    ``instance_gap``: how many instances ahead a replica may jump; ``check_source``: a packet
    must come from the address of the sender it names; ``record``: keep the HO sets of every
    round and the model's nondeterministic choices (for replay in the lockstep executor)."""

    delay: float = 0.0
    timeout: float | None = None
    rounds: Mapping[str, RoundPolicy] = field(default_factory=dict)
    batch: int = 1
    concurrent: int = 1
    window: int = 1_000
    max_rounds: int = 100_000
    instance_gap: int = 1_000
    check_source: bool = True
    record: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.batch <= 4096:
            raise HoverifyError(f"batch must be between 1 and 4096, not {self.batch}")
        if not 1 <= self.concurrent <= 1024:
            raise HoverifyError(f"concurrent instances must be between 1 and 1024, not "
                                f"{self.concurrent}")
        if self.timeout is not None and not 0.0 < self.timeout <= 60.0:
            raise HoverifyError(f"round timeout must be in (0, 60] seconds, not {self.timeout}")
        if self.window < 1 or self.max_rounds < 1 or self.instance_gap < 1:
            raise HoverifyError("window, max_rounds and instance_gap must be positive")

    def default_timeout(self) -> float:
        """The round timeout when none is given: a few milliseconds of scheduling slack plus
        twice the expected one-way delay (a request and the answer it triggers)."""
        if self.timeout is not None:
            return self.timeout
        return 0.005 + 2.5 * self.delay

    def policies(self, round_names: Sequence[str]) -> tuple[RoundPolicy, ...]:
        unknown = set(self.rounds) - set(round_names)
        if unknown:
            raise HoverifyError(f"round policies for unknown rounds {sorted(unknown)}; the "
                                f"model's rounds are {', '.join(round_names)}")
        t = self.default_timeout()
        return tuple(self.rounds.get(name, RoundPolicy(t)) for name in round_names)


_MASK64 = (1 << 64) - 1


def _mix(x: int) -> int:
    """splitmix64: a fixed, process-independent hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def value_for(seed: int, domain: Sequence[Any], replica: int, instance: int, lane: int = 0,
              fixed: Sequence[Any] | None = None) -> Any:
    """The initial value of ``replica`` in ``instance`` (lane ``lane``): ``fixed[replica]`` if
    one value per replica is given, else drawn from ``domain`` by a fixed hash of the seed, the
    replica, the instance and the lane (every process of a cluster computes the same table, so
    validity can be checked for crashed replicas too)."""
    if fixed is not None:
        return fixed[replica]
    h = _mix(_mix(_replica_key(seed, replica) ^ instance) ^ lane)
    return domain[h % len(domain)]


@functools.lru_cache(maxsize=4096)
def _replica_key(seed: int, replica: int) -> int:
    return _mix(_mix(seed & _MASK64) ^ replica)


__all__ = ["RoundPolicy", "NetFaults", "RuntimeConfig", "value_for"]
