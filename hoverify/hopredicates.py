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

Under value faults (``fault_model = ValueFaults(alpha)``) a round also has the corrupted senders
``AHO(p) ⊆ HO(p)`` (``SHO(p) = HO(p) \\ AHO(p)``, the safely heard ones). Every predicate has
``holds_with(ho, aho, phase)`` and ``repair_with(ho, aho, allowed, rng, phase)``, with ``aho`` one
bit mask per receiver; for the predicates above they are ``holds``/``repair`` (a repair only adds
HO edges, so the corruptions stay). The predicates about corruption (``about_aho = True``):
``UncorruptedKernel`` and ``SafelyHeardMoreThan`` (A_{T,E}'s good rounds) — they have no ``holds``
on HO sets alone, their repair adds HO edges and drops corruptions, and they can only name good
rounds of a model with value faults (anything else is an error).

Bounds are expressions in ``n`` (``HeardMoreThan("n/2")``), exact as everywhere in hoverify.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from fractions import Fraction
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
    about_aho: bool = False  # constrains the corrupted senders AHO (needs value faults)

    def holds(self, ho: HOSets, phase: int | None = None) -> bool:
        raise NotImplementedError

    def holds_at(self, p: int, mask: int, n: int, phase: int | None = None) -> bool:
        raise NotImplementedError(f"{self} is not a per-receiver predicate")

    def repair(self, ho: HOSets, allowed: Sequence[int], rng: random.Random,
               phase: int | None = None) -> HOSets | None:
        return ho if self.holds(ho, phase) else None

    def holds_with(self, ho: HOSets, aho: Sequence[int], phase: int | None = None) -> bool:
        """Whether the round holds it, ``aho[p]`` being the mask of ``AHO(p)`` (value faults)."""
        return self.holds(ho, phase)

    def repair_with(self, ho: HOSets, aho: Sequence[int], allowed: Sequence[int],
                    rng: random.Random, phase: int | None = None
                    ) -> tuple[HOSets, tuple[int, ...]] | None:
        """``repair`` of a round with corrupted senders ``aho``: HO edges added (only those in
        ``allowed[p]``), corruptions dropped, until it holds; ``(ho, aho)`` or ``None``."""
        fixed = self.repair(ho, allowed, rng, phase)
        if fixed is None:
            return None
        return fixed, tuple(a & m for a, m in zip(aho, fixed.masks, strict=True))

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
        heard: int = ho.graph().in_degree(self._coord(ho.n, phase))  # networkx is untyped
        return heard > self.bound(ho.n)

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


def _least_above(bound: int | Fraction) -> int:
    """The smallest integer ``> bound``."""
    return int(math.floor(bound)) + 1


class _CorruptionPredicate(HOPredicate):
    """About the corrupted senders ``AHO`` (value faults): evaluated with ``holds_with``."""

    about_aho = True

    def holds(self, ho: HOSets, phase: int | None = None) -> bool:
        raise HoverifyError(
            f"{self!r} is about corrupted messages (AHO): it is evaluated on a round's HO sets "
            f"together with its corrupted senders, as a good round (good_rounds) of a model with "
            f"fault_model = ValueFaults(alpha), not on HO sets alone (e.g. as an ho_predicate)")

    def repair(self, ho: HOSets, allowed: Sequence[int], rng: random.Random,
               phase: int | None = None) -> HOSets | None:
        fixed = self.repair_with(ho, (0,) * ho.n, allowed, rng, phase)
        return None if fixed is None else fixed[0]


class UncorruptedKernel(_CorruptionPredicate):
    """More than ``size`` processes hear the same more than ``heard`` processes, none of them
    corrupted: ``∃S1, S2. |S1| > size ∧ |S2| > heard ∧ ∀p ∈ S1. HO(p) = SHO(p) = S2`` (A_{T,E}'s
    first good round, with ``size = E - α`` and ``heard = T``).

    The formula names ``S2`` by a process ``k`` of ``S1`` (``S2 = HO(k)``, ``AHO(k) = {}``, and
    ``S1`` is then every process hearing exactly ``HO(k)`` without corruption), which is
    equivalent whenever ``size >= 0`` (``S1`` is not empty, any member of it is a ``k``) and is
    what :meth:`holds_with` checks. That ``k`` is in ``S1`` is what a proof uses: every member of
    ``S1`` adopts what ``k`` adopts (A_T,E's first chain step)."""

    def __init__(self, size: int | str | NExpr, heard: int | str | NExpr) -> None:
        self.size = nexpr(size)
        self.heard = nexpr(heard)
        self.formula = (f"exists k. |HO(k)| > {self.heard} and AHO(k) = {{}} and "
                        f"|{{p | HO(p) = HO(k) and AHO(p) = {{}}}}| > {self.size}")

    def __repr__(self) -> str:
        return f"UncorruptedKernel({self.size.text!r}, {self.heard.text!r})"

    def holds_with(self, ho: HOSets, aho: Sequence[int], phase: int | None = None) -> bool:
        size, heard = self.size(ho.n), self.heard(ho.n)
        clean: dict[int, int] = {}
        for m, a in zip(ho.masks, aho, strict=True):
            if not a:
                clean[m] = clean.get(m, 0) + 1
        return any(m.bit_count() > heard and k > size for m, k in clean.items())

    def repair_with(self, ho: HOSets, aho: Sequence[int], allowed: Sequence[int],
                    rng: random.Random, phase: int | None = None
                    ) -> tuple[HOSets, tuple[int, ...]] | None:
        if self.holds_with(ho, aho, phase):
            return ho, tuple(aho)
        n = ho.n
        need, hear = max(_least_above(self.size(n)), 1), _least_above(self.heard(n))
        if need > n or hear > n:
            return None
        for _ in range(8):  # a random S1; its HO sets are united (edges only added) into S2
            s1 = rng.sample(range(n), need)
            s2 = reduce(lambda a, b: a | b, (ho.masks[p] for p in s1), 0)
            cap = reduce(lambda a, b: a & b, (ho.masks[p] | allowed[p] for p in s1))
            if s2 & ~cap:
                continue
            while s2.bit_count() < hear:
                cand = cap & ~s2
                if not cand:
                    break
                s2 |= 1 << _pick(cand, rng)
            if s2.bit_count() < hear:
                continue
            masks, bad = list(ho.masks), list(aho)
            for p in s1:
                masks[p], bad[p] = s2, 0
            return HOSets(tuple(masks)), tuple(a & m for a, m in zip(bad, masks, strict=True))
        return None


class SafelyHeardMoreThan(_CorruptionPredicate):
    """``∀p. |SHO(p)| > bound``: every process receives more than ``bound`` uncorrupted messages
    (A_{T,E}'s last good round, with ``bound = E``)."""

    def __init__(self, bound: int | str | NExpr) -> None:
        self.bound = nexpr(bound)
        self.formula = f"forall p. |HO(p) \\ AHO(p)| > {self.bound}"

    def __repr__(self) -> str:
        return f"SafelyHeardMoreThan({self.bound.text!r})"

    def holds_with(self, ho: HOSets, aho: Sequence[int], phase: int | None = None) -> bool:
        b = self.bound(ho.n)
        return all((m & ~a).bit_count() > b for m, a in zip(ho.masks, aho, strict=True))

    def repair_with(self, ho: HOSets, aho: Sequence[int], allowed: Sequence[int],
                    rng: random.Random, phase: int | None = None
                    ) -> tuple[HOSets, tuple[int, ...]] | None:
        b = self.bound(ho.n)
        masks, bad = list(ho.masks), [a & m for a, m in zip(aho, ho.masks, strict=True)]
        for p in range(ho.n):
            m, a = masks[p], bad[p]
            while (m & ~a).bit_count() <= b:
                cand = allowed[p] & ~m
                if cand:  # hear one more (the corruptions stay: the stronger adversary)
                    m |= 1 << _pick(cand, rng)
                elif a:
                    a &= ~(1 << _pick(a, rng))
                else:
                    return None
            masks[p], bad[p] = m, a
        return HOSets(tuple(masks)), tuple(bad)


class AllOf(HOPredicate):
    """The conjunction of several predicates."""

    parts: tuple[HOPredicate, ...]

    def __init__(self, *parts: HOPredicate) -> None:
        flat: list[HOPredicate] = []
        for p in parts:
            flat.extend(p.parts if isinstance(p, AllOf) else [p])
        self.parts = tuple(flat)
        self.local = all(p.local for p in self.parts)
        self.symmetric = all(p.symmetric for p in self.parts)
        self.about_aho = any(p.about_aho for p in self.parts)
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

    def holds_with(self, ho: HOSets, aho: Sequence[int], phase: int | None = None) -> bool:
        return all(p.holds_with(ho, aho, phase) for p in self.parts)

    def repair_with(self, ho: HOSets, aho: Sequence[int], allowed: Sequence[int],
                    rng: random.Random, phase: int | None = None
                    ) -> tuple[HOSets, tuple[int, ...]] | None:
        cur = (ho, tuple(aho))
        for _ in range(3):
            for part in self.parts:
                fixed = part.repair_with(cur[0], cur[1], allowed, rng, phase)
                if fixed is None:
                    return None
                cur = fixed
            if self.holds_with(cur[0], cur[1], phase):
                return cur
        return None

    def __repr__(self) -> str:
        return "AllOf(" + ", ".join(map(repr, self.parts)) + ")"


__all__ = ["HOPredicate", "NoSplit", "Uniform", "KernelSize", "HeardMoreThan",
           "CoordinatorHeard", "CoordinatorHears", "UncorruptedKernel", "SafelyHeardMoreThan",
           "AllOf"]
