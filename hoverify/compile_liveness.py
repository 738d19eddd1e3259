"""Compiling a model's liveness declarations: goals, good rounds, the assumption, proof chains.

A model states (see :class:`hoverify.dsl.Algorithm`)

* ``liveness``: goal name -> ``"eventually P"`` or ``"eventually always P"`` (``<>``, ``F``,
  ``◇``; ``[]``, ``G``, ``□``) with ``P`` a state formula;
* ``good_rounds``: name -> an HO predicate (a good *round*, any round of the phase) or a dict
  from round names to HO predicates (a good *phase*: each of its rounds constrained separately);
* ``assumption``: an LTL formula over the names of ``good_rounds`` (:mod:`hoverify.liveness.ltl`);
* ``progress``: goal name -> its proof chain, a list of steps ``(good, invariant)`` or
  ``(good, invariant, lemmas)``. The invariant of a step over a good phase is a dict from round
  names to the state formula that holds after that round of the good phase (the last round's is
  the step's invariant). The good phase ``"any"`` is built in: a phase without any HO constraint
  beyond the safety predicate (every phase is one), for steps that need no help from the network.
  A step's ``lemmas`` (round name -> two-state formulas, as ``round_lemmas``) are the step's
  argument about the round in parts: each is proved from the round and the ones before it, and
  the last one stands for the round in the step's progress VC only (the other VCs never see them,
  so a heavy fact that one step needs costs nothing elsewhere).

The chain is checked against the assumption here: every good round a chain consumes must be
promised by the assumption, in order (:func:`hoverify.liveness.ltl.supplies`: the assumption
must imply ``F(s1 ∧ X F(s2 ∧ …))``, decided on a Büchi automaton). A chain that asks
for more than the assumption promises is a compile error, never a proof.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hoverify.errors import CompileError
from logic.terms import Term

#: the built-in good phase without HO constraint
ANY = "any"
#: ``eventually`` / ``eventually always`` prefixes of a goal
_EVENTUALLY = r"(?:eventually|<>|F|\u25c7)"
_ALWAYS = r"(?:always|\[\]|G|\u25a1)"
_GOAL = re.compile(rf"^\s*{_EVENTUALLY}\s*(?P<always>{_ALWAYS}\s*)?(?P<body>.*)$", re.S)


@dataclass(frozen=True)
class GoodRounds:
    """A named good round (``rounds`` is ``None``; ``formula`` constrains the round) or good
    phase (``rounds`` maps each constrained round of the phase to its formula)."""

    name: str
    formula: Term | None
    rounds: Mapping[str, Term] | None
    line: int | None

    def at(self, round_name: str) -> Term | None:
        """The constraint on round ``round_name`` (``None``: unconstrained)."""
        if self.rounds is None:
            return self.formula
        return self.rounds.get(round_name)


@dataclass(frozen=True)
class ChainStep:
    """One step of a proof chain: its good round or phase, and what holds after it (``after``:
    per round of a good phase; for a good round, the step's invariant only)."""

    index: int
    good: str
    invariant: Term
    after: Mapping[str, Term]
    line: int | None
    #: round name -> the step's lemmas over that round (see the module docstring)
    lemmas: Mapping[str, tuple[Term, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class LivenessGoal:
    name: str
    always: bool          # "eventually always P" (else "eventually P")
    formula: Term         # P
    steps: tuple[ChainStep, ...]
    line: int | None


@dataclass(frozen=True)
class Liveness:
    goals: tuple[LivenessGoal, ...]
    good: Mapping[str, GoodRounds]
    assumption: str
    assumption_line: int | None


Compile = Callable[[str, object, str], Term]   # (attribute, key, text) -> formula
Locate = Callable[[str, object], int | None]   # (attribute, key) -> line
HOFormula = Callable[[Any, str], Term]         # (HO predicate, label) -> formula


def compile_liveness(model: type, round_names: list[str], compile_text: Compile,
                     ho_formula: HOFormula, line_of: Locate, file: str) -> Liveness | None:
    """The liveness part of ``model`` (``None`` if it declares no goal)."""
    goals_src = getattr(model, "liveness", {}) or {}
    if not goals_src:
        return None
    name = model.__name__

    def error(msg: str, line: int | None) -> CompileError:
        return CompileError(msg, file=file, line=line)

    if not isinstance(goals_src, Mapping):
        raise error(f"{name}.liveness must map goal names to LTL goals", line_of("liveness", None))
    good = _good_rounds(model, round_names, ho_formula, line_of, error)
    good.setdefault(ANY, GoodRounds(ANY, None, {}, None))
    assumption = getattr(model, "assumption", "") or ""
    progress = getattr(model, "progress", {}) or {}
    if not isinstance(progress, Mapping):
        raise error(f"{name}.progress must map goal names to lists of (good round, invariant) "
                    f"steps", line_of("progress", None))
    goals = []
    for goal_name, text in goals_src.items():
        line = line_of("liveness", goal_name)
        if not isinstance(text, str):
            raise error(f"liveness[{goal_name!r}] must be a string such as 'eventually forall i. "
                        f"decided(i)'", line)
        m = _GOAL.match(text)
        if m is None:
            raise error(f"liveness[{goal_name!r}] = {text!r}: a goal is 'eventually P' or "
                        f"'eventually always P' with P a state formula (other LTL goals are not "
                        f"supported)", line)
        formula = compile_text("liveness", goal_name, m.group("body"))
        steps = _chain(goal_name, progress.get(goal_name, ()), good, round_names, compile_text,
                       line_of, error)
        goals.append(LivenessGoal(goal_name, m.group("always") is not None, formula, steps, line))
    unknown = sorted(set(progress) - set(goals_src))
    if unknown:
        raise error(f"progress has a chain for {', '.join(map(repr, unknown))}, which is no goal "
                    f"of liveness ({', '.join(map(repr, goals_src))})", line_of("progress", None))
    if any(g.steps for g in goals):
        _check_assumption(name, assumption, goals, good, line_of, error)
    return Liveness(tuple(goals), good, assumption, line_of("assumption", None))


def _good_rounds(model: type, round_names: list[str], ho_formula: HOFormula, line_of: Locate,
                 error: Callable[[str, int | None], CompileError]) -> dict[str, GoodRounds]:
    src = getattr(model, "good_rounds", {}) or {}
    if not isinstance(src, Mapping):
        raise error(f"{model.__name__}.good_rounds must map names to HO predicates",
                    line_of("good_rounds", None))
    out: dict[str, GoodRounds] = {}
    for gname, pred in src.items():
        line = line_of("good_rounds", gname)
        if gname == ANY:
            raise error(f"good_rounds: {ANY!r} is built in (a phase without HO constraint); "
                        f"choose another name", line)
        if not isinstance(gname, str) or not gname.isidentifier():
            raise error(f"good_rounds: {gname!r} is not a name (the assumption refers to good "
                        f"rounds by name)", line)
        if isinstance(pred, Mapping):
            rounds = {}
            for rname, p in pred.items():
                if rname not in round_names:
                    raise error(f"good_rounds[{gname!r}]: {rname!r} is not a round of "
                                f"{model.__name__} ({', '.join(round_names)})", line)
                _needs_value_faults(model, p, f"good_rounds[{gname!r}][{rname!r}]", line, error)
                rounds[rname] = ho_formula(p, f"good_rounds[{gname!r}][{rname!r}]")
            out[gname] = GoodRounds(gname, None, rounds, line)
        else:
            _needs_value_faults(model, pred, f"good_rounds[{gname!r}]", line, error)
            out[gname] = GoodRounds(gname, ho_formula(pred, f"good_rounds[{gname!r}]"), None,
                                    line)
    return out


def _needs_value_faults(model: type, pred: Any, label: str, line: int | None,
                        error: Callable[[str, int | None], CompileError]) -> None:
    """A predicate about corrupted senders (``AHO``) needs a model with value faults."""
    from hoverify.faults import ValueFaults

    if not getattr(pred, "about_aho", False):
        return
    faults = model.faults() if hasattr(model, "faults") else None
    if not isinstance(faults, ValueFaults):
        raise error(f"{label}: {pred!r} is about corrupted messages (AHO, SHO), which only a "
                    f"model with fault_model = ValueFaults(alpha) has; {model.__name__}'s fault "
                    f"model is {type(faults).__name__}", line)


def _chain(goal: str, steps_src: Any, good: Mapping[str, GoodRounds], round_names: list[str],
           compile_text: Compile, line_of: Locate,
           error: Callable[[str, int | None], CompileError]) -> tuple[ChainStep, ...]:
    line = line_of("progress", goal)
    if not isinstance(steps_src, (list, tuple)):
        raise error(f"progress[{goal!r}] must be a list of (good round, invariant) steps", line)
    steps = []
    for i, step in enumerate(steps_src):
        where = f"progress[{goal!r}] step {i + 1}"
        if not (isinstance(step, tuple) and len(step) in (2, 3) and isinstance(step[0], str)):
            raise error(f"{where} must be a pair (good round name, invariant) or a triple (good "
                        f"round name, invariant, lemmas), found {step!r}", line)
        gname, inv = step[:2]
        g = good.get(gname)
        if g is None:
            known = ", ".join(map(repr, good)) or "none: declare good_rounds"
            raise error(f"{where} uses the good round {gname!r}, which good_rounds does not "
                        f"name (known: {known})", line)
        after: dict[str, Term] = {}
        if isinstance(inv, Mapping):
            if g.rounds is None:
                raise error(f"{where}: per-round invariants need a good phase, but "
                            f"good_rounds[{gname!r}] is a single good round", line)
            for rname, text in inv.items():
                if rname not in round_names:
                    raise error(f"{where}: {rname!r} is not a round ({', '.join(round_names)})",
                                line)
                after[rname] = compile_text("progress", (goal, i, rname), text)
            last = round_names[-1]
            if last not in after:
                raise error(f"{where}: the invariant after the good phase's last round "
                            f"{last!r} is missing", line)
            invariant = after[last]
        elif isinstance(inv, str):
            invariant = compile_text("progress", (goal, i), inv)
            if g.rounds is not None and len(round_names) > 1:
                raise error(f"{where}: {gname!r} is a good phase; give the invariant after each "
                            f"of its rounds as a dict ({', '.join(round_names)})", line)
        else:
            raise error(f"{where}: the invariant must be a formula string", line)
        lemmas = _step_lemmas(where, step[2] if len(step) == 3 else {}, round_names,
                              (goal, i), compile_text, line, error)
        steps.append(ChainStep(i + 1, gname, invariant, after, line, lemmas))
    return tuple(steps)


def _step_lemmas(where: str, src: Any, round_names: list[str], key: tuple[str, int],
                 compile_text: Compile, line: int | None,
                 error: Callable[[str, int | None], CompileError]) -> dict[str, tuple[Term, ...]]:
    """A step's lemmas (``key``: goal and step index): round name -> a formula string or a list
    of them."""
    if not isinstance(src, Mapping):
        raise error(f"{where}: the lemmas must be a dict from round names to lists of two-state "
                    f"formula strings (as round_lemmas), found {src!r}", line)
    out: dict[str, tuple[Term, ...]] = {}
    for rname, texts in src.items():
        if rname not in round_names:
            raise error(f"{where}: lemmas for {rname!r}, which is not a round "
                        f"({', '.join(round_names)})", line)
        items = [texts] if isinstance(texts, str) else texts
        if not isinstance(items, (list, tuple)) or not items:
            raise error(f"{where}: the lemmas over {rname!r} must be a non-empty list of "
                        f"two-state formula strings, found {texts!r}", line)
        out[rname] = tuple(compile_text("progress", (*key, rname, k), text)
                           for k, text in enumerate(items))
    return out


def _check_assumption(name: str, assumption: str, goals: list[LivenessGoal],
                      good: Mapping[str, GoodRounds], line_of: Locate,
                      error: Callable[[str, int | None], CompileError]) -> None:
    from hoverify.liveness.ltl import LtlError, mismatch_message, parse_ltl

    line = line_of("assumption", None)
    if all(s.good == ANY for g in goals for s in g.steps):
        return
    if not assumption:
        raise error(f"{name} has proof chains (progress) but no assumption: state which good "
                    f"rounds the network promises, e.g. assumption = 'always eventually "
                    f"{next(iter(good), 'good')}'", line)
    try:
        promise = parse_ltl(assumption, [name for name in good if name != ANY])
    except LtlError as e:
        raise error(f"assumption: {e}", line) from None
    for g in goals:
        # every phase is an "any" phase: such steps need no promise
        msg = mismatch_message(promise, [s.good for s in g.steps if s.good != ANY])
        if msg is not None:
            raise error(f"progress[{g.name!r}]: {msg}", line_of("progress", g.name))


__all__ = ["ChainStep", "GoodRounds", "Liveness", "LivenessGoal", "compile_liveness"]
