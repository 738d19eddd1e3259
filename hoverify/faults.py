"""Fault models a model declares with ``fault_model = ...``.

* ``Benign()`` (the default): messages are lost (HO sets are arbitrary, subject to the model's HO
  predicate); a crash is a process that stops sending and updating.
* ``CrashStop(f)``: at most ``f`` processes crash (``|C| <= f``); a process crashing in round ``r``
  reaches an arbitrary subset of processes in ``r`` and nobody after, and stops updating; every
  live process hears every process that has not crashed (``HO(p) ⊇ Π \\ C``).
* ``ValueFaults(alpha)`` (Biely et al.): ``HO(p) = SHO(p) ∪ AHO(p)`` with ``|AHO(p)| <= alpha``;
  the messages from ``AHO(p)`` carry arbitrary values.

Each has ``.formula`` strings for the prover; the executor and explorer enforce them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hoverify.nexpr import NExpr, nexpr


@dataclass(frozen=True)
class Benign:
    """Benign faults: omissions (and crashes) through HO sets."""

    formula: str = "true"

    def bound(self, n: int) -> int:  # no process-count bound
        return n


@dataclass(frozen=True)
class CrashStop:
    """Crash-stop with a crashed set ``C``, ``|C| <= f``; live processes hear all non-crashed."""

    f: NExpr

    def __init__(self, f: int | str | NExpr) -> None:
        object.__setattr__(self, "f", nexpr(f))

    def bound(self, n: int) -> int:
        return int(self.f(n) // 1)

    @property
    def formula(self) -> str:
        return f"|C| <= {self.f} and forall p, q. not (q in C) -> q in HO(p)"


@dataclass(frozen=True)
class ValueFaults:
    """Value faults: ``HO = SHO ∪ AHO``, ``|AHO(p)| <= alpha``, AHO messages arbitrary."""

    alpha: NExpr

    def __init__(self, alpha: int | str | NExpr) -> None:
        object.__setattr__(self, "alpha", nexpr(alpha))

    def bound(self, n: int) -> int:
        return int(self.alpha(n) // 1)

    @property
    def formula(self) -> str:
        return f"forall p. |AHO(p)| <= {self.alpha}"


__all__ = ["Benign", "CrashStop", "ValueFaults"]
