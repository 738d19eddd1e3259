"""The ``eventually-good`` adversary: a bad network that keeps the model's liveness assumption.

It reads the model's ``assumption`` (an LTL formula over the names of ``good_rounds``, see
:mod:`hoverify.liveness.ltl`) and draws, from the formula's automaton, a random word that
satisfies it (:func:`hoverify.liveness.ltl.random_run`): which good rounds must happen when,
separated by random stretches of up to about ``delay`` rounds that require nothing. Round by
round it then

* makes a round the word requires good satisfy the named HO predicates: it starts from a random
  omission-damaged choice (the layers below, each message lost with probability ``bad``) and
  calls the predicates' ``repair``, else repairs the reliable choice; if even that fails it
  reports an :class:`~hoverify.errors.AdversaryError`;
* makes every other round a bad one: each message is lost with probability ``bad`` (it may
  happen to be good: the word does not require atoms to be false).

Under value faults (``fault_model = ValueFaults(alpha)``) it also corrupts messages, in every
round: each receiver gets up to ``alpha`` corrupted messages (each of the ``alpha`` corruptions
happens with probability ``corrupt``, default 1; those of a ``value`` layer below count towards
``alpha``), from senders it hears, with arbitrary values from the model's value domain. A good
round's predicates see the corrupted senders (``AHO``): predicates about them
(:class:`~hoverify.hopredicates.UncorruptedKernel`,
:class:`~hoverify.hopredicates.SafelyHeardMoreThan`) drop corruptions or add HO edges until they
hold; the others keep them.

Positions of the word are rounds. A good *phase* (a ``good_rounds`` value that is a dict from
round names to predicates) takes a whole phase: a position that names one starts at the next
phase boundary (the rounds skipped to reach it are bad ones) and each round of that phase gets
its own predicate (none for a round the dict leaves out); the next position follows the phase.
With ``tight=1`` every good round is then shrunk to a minimal one (senders dropped from every HO
set, then single edges, while the predicates hold): the weakest network the assumption allows,
which shows whether an assumption is too weak.

Put the layer last in a stack (``crash:1+eventually-good``): a layer above it could spoil its
good rounds.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from typing import Any

from hoverify.adversary import NOMSG, Adversary, AdversaryView, arbitrary_like, bernoulli_mask
from hoverify.errors import AdversaryError
from hoverify.ho import HOSets, bits
from hoverify.hopredicates import AllOf, HOPredicate
from hoverify.liveness.ltl import LtlError, atoms_of, parse_ltl, random_run
from hoverify.trace import RoundInput

#: what one round must satisfy: (label, predicate) pairs, e.g. ("uniform", Uniform())
Requirement = tuple[tuple[str, HOPredicate], ...]


class EventuallyGood(Adversary):
    """Random bad rounds, and the good rounds the model's ``assumption`` promises (see the
    module docstring)."""

    def __init__(self, bad: float = 0.5, delay: int = 5, tight: bool = False,
                 corrupt: float = 1.0) -> None:
        if not 0 <= bad <= 1:
            raise AdversaryError(f"eventually-good: bad must be a probability in [0, 1], "
                                 f"not {bad}")
        if delay < 0:
            raise AdversaryError(f"eventually-good: delay must be at least 0, not {delay}")
        if not 0 <= corrupt <= 1:
            raise AdversaryError(f"eventually-good: corrupt must be a probability in [0, 1], "
                                 f"not {corrupt}")
        self.bad = bad
        self.delay = delay
        self.tight = tight
        self.corrupt = corrupt
        parts = ([f"bad={bad:g}"] if bad != 0.5 else []) + (
            [f"delay={delay}"] if delay != 5 else []) + (["tight=1"] if tight else []) + (
            [f"corrupt={corrupt:g}"] if corrupt != 1.0 else [])
        self.spec = "eventually-good" + (":" + ",".join(parts) if parts else "")
        self._rounds: dict[str, HOPredicate] = {}
        self._phases: dict[str, dict[int, HOPredicate]] = {}
        self._round_names: tuple[str, ...] = ()
        self._letters: Iterator[frozenset[str]] = iter(())
        self._plan: list[Requirement] = []
        self._alpha = 0  # corrupted messages per receiver (value faults), else 0
        self._value_faults = False
        self._domain: tuple[Any, ...] = (0, 1)

    # ---- setting up ------------------------------------------------------------------------
    def reset(self, n: int, rounds: int, rng: random.Random, model: Any) -> None:
        name = getattr(model, "__name__", "the model")
        text = getattr(model, "assumption", None) if model is not None else None
        if not isinstance(text, str) or not text.strip():
            raise AdversaryError(f"eventually-good: {name} has no 'assumption' (an LTL formula "
                                 f"over its good_rounds, e.g. assumption = 'always eventually "
                                 f"uniform'); nothing says which rounds must be good")
        good = getattr(model, "good_rounds", None) or {}
        if not isinstance(good, Mapping):
            raise AdversaryError(f"eventually-good: {name}.good_rounds must map names to HO "
                                 f"predicates")
        try:
            formula = parse_ltl(text, [g for g in good if isinstance(g, str)])
        except LtlError as e:
            raise AdversaryError(f"eventually-good: {name}.assumption {text!r}: {e.message}",
                                 column=e.column) from None
        self._round_names = tuple(rc.__name__ for rc in getattr(model, "rounds", ()))
        from hoverify.faults import ValueFaults  # noqa: PLC0415
        fm = model.faults() if hasattr(model, "faults") else None
        self._value_faults = isinstance(fm, ValueFaults)
        self._alpha = fm.bound(n) if isinstance(fm, ValueFaults) else 0
        self._domain = tuple(getattr(model, "values", (0, 1)))
        self._rounds, self._phases = {}, {}
        for atom in sorted(atoms_of(formula)):
            self._declare(name, atom, good[atom])
        try:
            self._letters = random_run(formula, random.Random(rng.getrandbits(64)), self.delay)
        except LtlError as e:
            raise AdversaryError(f"eventually-good: {name}.assumption: {e.message}") from None
        self._plan = []
        self._extend(rounds)

    def _declare(self, model: str, atom: str, value: Any) -> None:
        where = f"eventually-good: {model}.good_rounds[{atom!r}]"
        if isinstance(value, Mapping):
            per: dict[int, HOPredicate] = {}
            for rname, pred in value.items():
                if rname not in self._round_names:
                    raise AdversaryError(f"{where}: {rname!r} is not a round of {model} "
                                         f"({', '.join(self._round_names)})")
                per[self._round_names.index(rname)] = self._checked(pred, f"{where}[{rname!r}]")
            self._phases[atom] = per
        else:
            self._rounds[atom] = self._checked(value, where)

    def _checked(self, value: Any, where: str) -> HOPredicate:
        pred = _predicate(value, where)
        if pred.about_aho and not self._value_faults:
            raise AdversaryError(f"{where} is {pred!r}, about corrupted messages (AHO), but the "
                                 f"model does not declare fault_model = ValueFaults(alpha)")
        return pred

    def _extend(self, upto: int) -> None:
        """Plan the rounds up to ``upto`` (inclusive) from the word."""
        k = max(len(self._round_names), 1)
        while len(self._plan) <= upto:
            letter = next(self._letters)
            rounds_req = tuple((a, self._rounds[a]) for a in sorted(letter) if a in self._rounds)
            phases = sorted(a for a in letter if a in self._phases)
            if not phases:
                self._plan.append(rounds_req)
                continue
            while len(self._plan) % k:  # a good phase starts at a phase boundary
                self._plan.append(())
            for j in range(k):
                req = list(rounds_req) if j == 0 else []
                for a in phases:
                    pred = self._phases[a].get(j)
                    if pred is not None:
                        req.append((f"{a}.{self._round_names[j]}", pred))
                self._plan.append(tuple(req))

    # ---- the schedule ----------------------------------------------------------------------
    def requirements(self, r: int) -> Requirement:
        """What round ``r`` must satisfy: ``(label, predicate)`` pairs (empty: a bad round).
        Labels are good-round names, or ``phase.Round`` for a round of a good phase."""
        self._extend(r)
        return self._plan[r]

    def good(self, r: int) -> tuple[str, ...]:
        """The labels of what round ``r`` must satisfy."""
        return tuple(label for label, _ in self.requirements(r))

    # ---- choosing --------------------------------------------------------------------------
    def choose(self, view: AdversaryView, below: RoundInput) -> RoundInput:
        n, rng, live = view.n, view.rng, view.live
        keep = 1.0 - self.bad
        damaged = tuple(m & bernoulli_mask(n, keep, rng) for m in below.ho.masks)
        aho = self._corruptions(view, below, damaged)
        req = self.requirements(view.r)
        if not req:
            return self._input(view, below, HOSets(damaged), aho)
        preds = [p for _, p in req]
        pred = preds[0] if len(preds) == 1 else AllOf(*preds)
        allowed = [live] * n
        start = HOSets(tuple(m & live for m in damaged))
        got = pred.repair_with(start, _within(aho, start), allowed, rng, view.phase)
        if got is None or not pred.holds_with(*got, view.phase):
            reliable = HOSets((live,) * n)
            got = pred.repair_with(reliable, _within(aho, reliable), allowed, rng, view.phase)
        if got is None or not pred.holds_with(*got, view.phase):
            labels = ", ".join(repr(label) for label, _ in req)
            raise AdversaryError(
                f"round {view.r}: eventually-good cannot make the round a {labels} round "
                f"({pred.formula}) with the live processes {sorted(bits(live))}")
        ho, aho = got
        if self.tight:
            ho, aho = _shrink(ho, aho, pred, rng, view.phase)
        return self._input(view, below, ho, aho)

    # ---- value faults ----------------------------------------------------------------------
    def _corruptions(self, view: AdversaryView, below: RoundInput,
                     masks: tuple[int, ...]) -> tuple[int, ...]:
        """``AHO`` as masks: the corruptions of the layers below (within ``masks``), and up to
        ``alpha`` per receiver in all, from senders that send it something."""
        aho = [0] * view.n
        for p, q, _ in below.corrupt:
            aho[p] |= 1 << q
        aho = [a & m for a, m in zip(aho, masks, strict=True)]
        if not self._alpha:
            return tuple(aho)
        rng = view.rng
        for p, m in enumerate(masks):
            room = self._alpha - aho[p].bit_count()
            cands = [q for q in bits(m & ~aho[p]) if view.message(q, p) is not NOMSG]
            for q in rng.sample(cands, max(0, min(room, len(cands)))):
                if self.corrupt >= 1.0 or rng.random() < self.corrupt:
                    aho[p] |= 1 << q
        return tuple(aho)

    def _input(self, view: AdversaryView, below: RoundInput, ho: HOSets,
               aho: tuple[int, ...]) -> RoundInput:
        """The round's choice: ``ho``, and a corrupted message from every ``q`` in ``AHO(p)``
        (the payload of a layer below if it corrupted it, else an arbitrary one)."""
        if not any(aho):
            return RoundInput(ho, below.crash, ())
        given = {(p, q): pl for p, q, pl in below.corrupt}
        corrupt = []
        for p, (a, m) in enumerate(zip(aho, ho.masks, strict=True)):
            for q in bits(a & m):
                pl = given.get((p, q), NOMSG)
                if pl is NOMSG:
                    pl = arbitrary_like(view.message(q, p), view.rng, self._domain)
                corrupt.append((p, q, pl))
        return RoundInput(ho, below.crash, tuple(corrupt))


def _within(aho: tuple[int, ...], ho: HOSets) -> tuple[int, ...]:
    return tuple(a & m for a, m in zip(aho, ho.masks, strict=True))


def _shrink(ho: HOSets, aho: tuple[int, ...], pred: HOPredicate, rng: random.Random,
            phase: int) -> tuple[HOSets, tuple[int, ...]]:
    """A minimal good round below ``ho``: senders removed from every HO set at once (which keeps
    uniform rounds uniform), then single HO edges, in random order, while ``pred`` still holds
    (with the corruptions ``aho`` of the senders still heard)."""
    masks = list(ho.masks)
    n = len(masks)

    def ok(trial: HOSets) -> bool:
        return pred.holds_with(trial, _within(aho, trial), phase)

    changed = True
    while changed:
        changed = False
        senders = list(range(n))
        rng.shuffle(senders)
        for q in senders:
            trial = HOSets(tuple(m & ~(1 << q) for m in masks))
            if trial.masks != tuple(masks) and ok(trial):
                masks, changed = list(trial.masks), True
        edges = [(p, q) for p in range(n) for q in bits(masks[p])]
        rng.shuffle(edges)
        for p, q in edges:
            trial_masks = list(masks)
            trial_masks[p] &= ~(1 << q)
            if ok(HOSets(tuple(trial_masks))):
                masks, changed = trial_masks, True
    final = HOSets(tuple(masks))
    return final, _within(aho, final)


def _predicate(value: Any, where: str) -> HOPredicate:
    if not isinstance(value, HOPredicate):
        raise AdversaryError(f"{where} is {value!r}, not an HO predicate (e.g. Uniform(), "
                             f"HeardMoreThan('n/2'))")
    return value


__all__ = ["EventuallyGood", "Requirement"]
