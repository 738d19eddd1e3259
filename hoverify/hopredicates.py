"""Per-round HO safety predicates: conditions the environment guarantees on the HO sets.

A model states them with ``ho_predicate = NoSplit()`` (every round) or on a ``Round``. Each
predicate has

* ``holds(ho, phase=None) -> bool``: evaluated on the HO graph (networkx; an edge ``q -> p`` for
  every ``q in HO(p)``),
* ``formula``: the same condition in the logic notation, for the prover,
* ``repair(ho, allowed, rng, phase)``: the adversaries' way to respect it — add HO edges (only those
  in ``allowed[p]``) until it holds, or return ``None``.

A predicate that is a conjunction over receivers (``local = True``) also has
``holds_at(p, mask, n, phase)`` on one receiver's HO mask; the explorer uses it to filter each
receiver's choices separately.

Bounds are expressions in ``n`` (``HeardMoreThan("n/2")``), exact as everywhere in hoverify.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import reduce

from hoverify.errors import HoverifyError
from hoverify.ho import HOSets, bits
from hoverify.nexpr import NExpr, nexpr


def _pick(mask: int, rng: random.Random) -> int:
    return rng.choice(list(bits(mask)))


class HOPredicate:
    """Base class of HO predicates."""

    formula: str = "true"
    local: bool = False
    symmetric: bool = True  # invariant under renaming processes (not coordinator predicates)

    def holds(self, ho: HOSets, phase: int | None = None) -> bool:
        raise NotImplementedError

    def holds_at(self, p: int, mask: int, n: int, phase: int | None = None) -> bool:
        raise NotImplementedError(f"{self} is not a per-receiver predicate")

    def repair(self, ho: HOSets, allowed: Sequence[int], rng: random.Random,
               phase: int | None = None) -> HOSets | None:
        return ho if self.holds(ho, phase) else None

    def __and__(self, other: HOPredicate) -> AllOf:
        return AllOf(self, other)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __str__(self) -> str:
        return self.formula


def _preds(ho: HOSets) -> list[set[int]]:
    g = ho.graph()
    return [set(g.predecessors(p)) for p in range(ho.n)]


class NoSplit(HOPredicate):
    """``∀p, q. HO(p) ∩ HO(q) ≠ ∅`` (Uniform Voting's safety predicate)."""

    formula = "forall p, q. exists k. k in HO(p) and k in HO(q)"

    def holds(self, ho: HOSets, phase: int | None = None) -> bool:
        ps = _preds(ho)
        return all(a & b for i, a in enumerate(ps) for b in ps[i:])

    def repair(self, ho: HOSets, allowed: Sequence[int], rng: random.Random,
               phase: int | None = None) -> HOSets | None:
        if self.holds(ho, phase):
            return ho
        everywhere = reduce(lambda a, b: a & b,
                            (m | a for m, a in zip(ho.masks, allowed, strict=True)))
        if not everywhere:
            return None
        k = 1 << _pick(everywhere, rng)
        return HOSets(tuple(m | k for m in ho.masks))


class Uniform(HOPredicate):
    """``∀p, q. HO(p) = HO(q)`` (a uniform round)."""

    formula = "forall p, q. HO(p) = HO(q)"

    def holds(self, ho: HOSets, phase: int | None = None) -> bool:
        ps = _preds(ho)
        return all(s == ps[0] for s in ps)

    def repair(self, ho: HOSets, allowed: Sequence[int], rng: random.Random,
               phase: int | None = None) -> HOSets | None:
        if self.holds(ho, phase):
            return ho
        target = reduce(lambda a, b: a | b, ho.masks, 0)
        if any(target & ~(m | a) for m, a in zip(ho.masks, allowed, strict=True)):
            return None
        return HOSets((target,) * ho.n)


class KernelSize(HOPredicate):
    """``|{k | ∀p. k ∈ HO(p)}| > bound``: more than ``bound`` processes are heard by everyone."""

    def __init__(self, bound: int | str | NExpr = 0) -> None:
        self.bound = nexpr(bound)
        self.formula = f"|{{k | forall p. k in HO(p)}}| > {self.bound}"

    def _kernel(self, ho: HOSets) -> set[int]:
        ps = _preds(ho)
        return set.intersection(*ps) if ps else set()

    def holds(self, ho: HOSets, phase: int | None = None) -> bool:
        return len(self._kernel(ho)) > self.bound(ho.n)

    def repair(self, ho: HOSets, allowed: Sequence[int], rng: random.Random,
               phase: int | None = None) -> HOSets | None:
        masks = list(ho.masks)
        while not self.holds(HOSets(tuple(masks)), phase):
            kern = reduce(lambda a, b: a & b, masks)
            cand = reduce(lambda a, b: a & b,
                          (m | a for m, a in zip(masks, allowed, strict=True))) & ~kern
            if not cand:
                return None
            k = 1 << _pick(cand, rng)
            masks = [m | k for m in masks]
        return HOSets(tuple(masks))

    def __repr__(self) -> str:
        return f"KernelSize({self.bound.text!r})"


class HeardMoreThan(HOPredicate):
    """``∀p. |HO(p)| > bound`` (e.g. Ben-Or's ``HeardMoreThan("n/2")``)."""

    local = True

    def __init__(self, bound: int | str | NExpr) -> None:
        self.bound = nexpr(bound)
        self.formula = f"forall p. |HO(p)| > {self.bound}"

    def holds(self, ho: HOSets, phase: int | None = None) -> bool:
        b = self.bound(ho.n)
        g = ho.graph()
        return all(g.in_degree(p) > b for p in range(ho.n))

    def holds_at(self, p: int, mask: int, n: int, phase: int | None = None) -> bool:
        return mask.bit_count() > self.bound(n)

    def repair(self, ho: HOSets, allowed: Sequence[int], rng: random.Random,
               phase: int | None = None) -> HOSets | None:
        b = self.bound(ho.n)
        masks = list(ho.masks)
        for p, m in enumerate(masks):
            while m.bit_count() <= b:
                cand = allowed[p] & ~m
                if not cand:
                    return None
                m |= 1 << _pick(cand, rng)
            masks[p] = m
        return HOSets(tuple(masks))

    def __repr__(self) -> str:
        return f"HeardMoreThan({self.bound.text!r})"


class _CoordinatorPredicate(HOPredicate):
    """About the coordinator ``coord(phase)`` (rotating), or with ``of=k`` the fixed process
    ``proc(k)`` (e.g. two-phase commit's coordinator)."""

    local = True
    symmetric = False
    of: int | None = None

    @property
    def _who(self) -> str:
        return "coord(phase)" if self.of is None else f"proc({self.of})"

    def _coord(self, n: int, phase: int | None) -> int:
        if self.of is not None:
            return self.of
        if phase is None:
            raise HoverifyError("a coordinator predicate needs the phase")
        return phase % n


class CoordinatorHeard(_CoordinatorPredicate):
    """``∀p. coord(phase) ∈ HO(p)``: everyone hears the coordinator of the phase (``of=k``:
    everyone hears ``proc(k)``)."""

    def __init__(self, of: int | None = None) -> None:
        self.of = of
        self.formula = f"forall p. {self._who} in HO(p)"

    def __repr__(self) -> str:
        return "CoordinatorHeard()" if self.of is None else f"CoordinatorHeard(of={self.of})"

    def holds(self, ho: HOSets, phase: int | None = None) -> bool:
        c = self._coord(ho.n, phase)
        g = ho.graph()
        return all(g.has_edge(c, p) for p in range(ho.n))

    def holds_at(self, p: int, mask: int, n: int, phase: int | None = None) -> bool:
        return bool((mask >> self._coord(n, phase)) & 1)

    def repair(self, ho: HOSets, allowed: Sequence[int], rng: random.Random,
               phase: int | None = None) -> HOSets | None:
        c = 1 << self._coord(ho.n, phase)
        if any(not (m | a) & c for m, a in zip(ho.masks, allowed, strict=True)):
            return None
        return HOSets(tuple(m | c for m in ho.masks))


class CoordinatorHears(_CoordinatorPredicate):
    """``|HO(coord(phase))| > bound``: the coordinator hears more than ``bound`` processes
    (``of=k``: ``proc(k)`` does)."""

    def __init__(self, bound: int | str | NExpr, of: int | None = None) -> None:
        self.bound = nexpr(bound)
        self.of = of
        self.formula = f"|HO({self._who})| > {self.bound}"

    def holds(self, ho: HOSets, phase: int | None = None) -> bool:
        return ho.graph().in_degree(self._coord(ho.n, phase)) > self.bound(ho.n)

    def holds_at(self, p: int, mask: int, n: int, phase: int | None = None) -> bool:
        return p != self._coord(n, phase) or mask.bit_count() > self.bound(n)

    def repair(self, ho: HOSets, allowed: Sequence[int], rng: random.Random,
               phase: int | None = None) -> HOSets | None:
        c = self._coord(ho.n, phase)
        b = self.bound(ho.n)
        m = ho.masks[c]
        while m.bit_count() <= b:
            cand = allowed[c] & ~m
            if not cand:
                return None
            m |= 1 << _pick(cand, rng)
        masks = list(ho.masks)
        masks[c] = m
        return HOSets(tuple(masks))

    def __repr__(self) -> str:
        of = "" if self.of is None else f", of={self.of}"
        return f"CoordinatorHears({self.bound.text!r}{of})"


class AllOf(HOPredicate):
    """The conjunction of several predicates."""

    def __init__(self, *parts: HOPredicate) -> None:
        flat: list[HOPredicate] = []
        for p in parts:
            flat.extend(p.parts if isinstance(p, AllOf) else [p])
        self.parts = tuple(flat)
        self.local = all(p.local for p in self.parts)
        self.symmetric = all(p.symmetric for p in self.parts)
        self.formula = " and ".join(f"({p.formula})" for p in self.parts)

    def holds(self, ho: HOSets, phase: int | None = None) -> bool:
        return all(p.holds(ho, phase) for p in self.parts)

    def holds_at(self, p: int, mask: int, n: int, phase: int | None = None) -> bool:
        return all(q.holds_at(p, mask, n, phase) for q in self.parts)

    def repair(self, ho: HOSets, allowed: Sequence[int], rng: random.Random,
               phase: int | None = None) -> HOSets | None:
        for _ in range(3):
            for part in self.parts:
                fixed = part.repair(ho, allowed, rng, phase)
                if fixed is None:
                    return None
                ho = fixed
            if self.holds(ho, phase):
                return ho
        return None

    def __repr__(self) -> str:
        return "AllOf(" + ", ".join(map(repr, self.parts)) + ")"


__all__ = ["HOPredicate", "NoSplit", "Uniform", "KernelSize", "HeardMoreThan",
           "CoordinatorHeard", "CoordinatorHears", "AllOf"]
