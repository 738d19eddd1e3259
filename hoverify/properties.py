"""The standard consensus safety properties, checked by the executor on every state.

A model opts in by name: ``properties = ("agreement", "validity", "irrevocability")``. Its
``safety`` strings state the same properties in the logic notation for the prover; this module is
the executor's side and is written once for all models.

=================== ======================================================================
``agreement``       ``∀i,j. decided(i) ∧ decided(j) → decision(i) = decision(j)``
``validity``        ``∀i. decided(i) → ∃j. decision(i) = init(x)(j)`` (``init(x)(j)`` is
                    ``x`` of process ``j`` in the initial state, after ``init``: the prover's
                    meaning too; it is the ``v`` given to ``init`` when ``init`` sets ``x = v``)
``irrevocability``  ``old(decided)(i) → decided(i) ∧ decision(i) = old(decision)(i)``
                    (over one round; ``integrity`` is the same property)
``commit_validity`` ``∀i. decided(i) ∧ decision(i) = True → ∀j. init(vote)(j) = True``
                    (two-phase commit: commit only if every process voted yes)
=================== ======================================================================

Properties quantify over all processes, crashed ones included (uniform consensus).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from hoverify.trace import State, Violation

StateCheck = Callable[[State, int], Violation | None]
StepCheck = Callable[[State, State, int], Violation | None]


@dataclass(frozen=True)
class Property:
    name: str
    formula: str
    needs: tuple[str, ...]
    on_state: StateCheck | None = None
    on_step: StepCheck | None = None


def _idx(st: State) -> tuple[int, int]:
    names = st.names
    return names.index("decided"), names.index("decision")


def _agreement(st: State, rnd: int) -> Violation | None:
    d, v = _idx(st)
    first: tuple[int, object] | None = None
    for p, row in enumerate(st.locals):
        if row[d]:
            if first is None:
                first = (p, row[v])
            elif row[v] != first[1]:
                return Violation("agreement", rnd,
                                 f"p{first[0]} decided {first[1]!r}, p{p} decided {row[v]!r}",
                                 (first[0], p))
    return None


def _initially(st: State, name: str) -> list[Any]:
    """``init(name)``: the local ``name`` of every process in the run's initial state."""
    if not st.initial:
        raise AssertionError("a state without its run's initial state: init(...) is undefined")
    i = st.names.index(name)
    return [row[i] for row in st.initial]


def _validity(st: State, rnd: int) -> Violation | None:
    d, v = _idx(st)
    initial = _initially(st, "x")
    for p, row in enumerate(st.locals):
        if row[d] and row[v] not in initial:
            return Violation("validity", rnd,
                             f"p{p} decided {row[v]!r}, not an initial value "
                             f"(initial values of x {sorted(set(initial), key=repr)})", (p,))
    return None


def _irrevocability(pre: State, post: State, rnd: int) -> Violation | None:
    d, v = _idx(pre)
    for p, (a, b) in enumerate(zip(pre.locals, post.locals, strict=True)):
        if a[d] and (not b[d] or a[v] != b[v]):
            now = f"decision {b[v]!r}" if b[d] else "undecided"
            return Violation("irrevocability", rnd,
                             f"p{p} had decided {a[v]!r}, is now {now}", (p,))
    return None


def _integrity(pre: State, post: State, rnd: int) -> Violation | None:
    v = _irrevocability(pre, post, rnd)
    return None if v is None else Violation("integrity", v.round, v.message, v.processes)


def _commit_validity(st: State, rnd: int) -> Violation | None:
    d, v = _idx(st)
    for p, row in enumerate(st.locals):
        if row[d] and row[v] is True:
            no = [q for q, x in enumerate(_initially(st, "vote")) if x is not True]
            if no:
                return Violation("commit_validity", rnd,
                                 f"p{p} decided commit but p{no[0]} voted no", (p, no[0]))
    return None


_D = ("decided", "decision")
PROPERTIES: Mapping[str, Property] = MappingProxyType({
    "agreement": Property(
        "agreement", "forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)",
        _D, on_state=_agreement),
    "validity": Property(
        "validity", "forall i. decided(i) -> exists j. decision(i) = init(x)(j)", (*_D, "x"),
        on_state=_validity),
    "irrevocability": Property(
        "irrevocability",
        "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)", _D,
        on_step=_irrevocability),
    "integrity": Property(
        "integrity",
        "forall i. old(decided)(i) -> decided(i) and decision(i) = old(decision)(i)", _D,
        on_step=_integrity),
    "commit_validity": Property(
        "commit_validity",
        "forall i. decided(i) and decision(i) -> forall j. init(vote)(j)", (*_D, "vote"),
        on_state=_commit_validity),
})


def check_state(names: tuple[str, ...], st: State, rnd: int) -> Violation | None:
    """The first of the named state properties violated in ``st`` (``rnd``: the round just run)."""
    for name in names:
        check = PROPERTIES[name].on_state
        if check is not None:
            v = check(st, rnd)
            if v is not None:
                return v
    return None


def check_step(names: tuple[str, ...], pre: State, post: State, rnd: int) -> Violation | None:
    """The first named property violated by the round from ``pre`` to ``post``."""
    for name in names:
        prop = PROPERTIES[name]
        if prop.on_step is not None:
            v = prop.on_step(pre, post, rnd)
            if v is not None:
                return v
    return check_state(names, post, rnd)


__all__ = ["PROPERTIES", "Property", "check_state", "check_step"]
