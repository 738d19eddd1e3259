"""Result types of the executor and the explorer (immutable)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hoverify.ho import HOSets


@dataclass(frozen=True)
class State:
    """A global state at a round boundary.

    ``r`` is the next round to run; ``locals[p]`` holds process ``p``'s locals in the order of
    ``names``; ``inputs[p]`` is ``p``'s initial value (the ``v`` of ``init``); ``crashed`` is the
    crashed set ``C`` (crashed processes neither send nor update); ``initial`` is the locals of
    the run's initial state, what ``init(x)`` denotes in formulas (validity refers to it, as the
    prover's ``init(x)`` does: ``init`` may normalise ``v``, so ``x`` need not be ``v``).
    """

    r: int
    names: tuple[str, ...]
    locals: tuple[tuple[Any, ...], ...]
    inputs: tuple[Any, ...]
    crashed: frozenset[int] = frozenset()
    initial: tuple[tuple[Any, ...], ...] = ()

    @property
    def n(self) -> int:
        return len(self.locals)

    def get(self, p: int, name: str) -> Any:
        return self.locals[p][self.names.index(name)]

    def column(self, name: str) -> tuple[Any, ...]:
        i = self.names.index(name)
        return tuple(t[i] for t in self.locals)

    def process(self, p: int) -> dict[str, Any]:
        return dict(zip(self.names, self.locals[p], strict=True))

    def replace(self, **changes: Any) -> State:
        return State(**{**self.__dict__, **changes})

    def with_locals(self, p: int, **values: Any) -> State:
        """A copy with some locals of process ``p`` changed."""
        row = list(self.locals[p])
        for k, v in values.items():
            row[self.names.index(k)] = v
        locs = list(self.locals)
        locs[p] = tuple(row)
        return self.replace(locals=tuple(locs))


@dataclass(frozen=True)
class RoundInput:
    """The environment's choice for one round: HO sets, the processes that crash in this round,
    and the corrupted messages (value faults): ``corrupt`` holds ``(receiver, sender, payload)``
    for each message from ``AHO(receiver)``, whose payload replaces the one sent."""

    ho: HOSets
    crash: frozenset[int] = frozenset()
    corrupt: tuple[tuple[int, int, Any], ...] = ()


@dataclass(frozen=True)
class Violation:
    """A safety property that fails: after round ``round`` (``-1``: in the initial state)."""

    property: str
    round: int
    message: str
    processes: tuple[int, ...] = ()

    def __str__(self) -> str:
        where = "initial state" if self.round < 0 else f"round {self.round}"
        return f"{self.property} violated after {where}: {self.message}"


@dataclass(frozen=True)
class RoundRecord:
    """One executed round: which round class, the environment's choice, the states around it."""

    r: int
    phase: int
    round_name: str
    input: RoundInput
    pre: State
    post: State
    deliveries: int
    decisions: tuple[tuple[int, Any], ...] = ()  # (process, value) newly decided in this round
    repaired: bool = False  # the adversary's choice was repaired to respect the HO predicate

    @property
    def ho(self) -> HOSets:
        return self.input.ho


@dataclass(frozen=True)
class Trace:
    """A run: the initial state, the rounds, and the first violation (if any)."""

    model: str
    n: int
    seed: int | None
    adversary: str
    initial: State
    rounds: tuple[RoundRecord, ...]
    violation: Violation | None
    final: State
    deliveries: int = 0
    stats: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.violation is None

    def decided_round(self) -> int | None:
        """The first round after which every non-crashed process has decided, if any."""
        if "decided" not in self.initial.names:
            return None
        i = self.initial.names.index("decided")
        for rec in self.rounds:
            st = rec.post
            if all(st.locals[p][i] for p in range(st.n) if p not in st.crashed):
                return rec.r
        return None
