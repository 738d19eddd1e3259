"""Safety across replicas: the model's own properties on every instance's decisions, and
completeness.

The properties are those of :mod:`hoverify.properties`, the one definition the executor checks on
every state (and the prover's meaning): :func:`check_decisions` builds, for each instance and
lane, the run's initial state with the executor's own :func:`~hoverify.executor.initial_state`
(``init`` run on every replica's input, so ``init(x)`` is what ``init`` made of the inputs, not
the raw inputs), marks the replicas that decided with their decision, and runs the ``on_state``
check of each state property the model declares in ``properties`` on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hoverify.dsl import Algorithm
from hoverify.executor import initial_state
from hoverify.properties import PROPERTIES
from hoverify.runtime.replica import Decision
from hoverify.trace import State

#: checked on every run whatever the model declares: a replica that missed a decision adopts a
#: peer's, which is only sound if the replicas agree (and it is what ``hoverify run`` reports)
ALWAYS = "agreement"


@dataclass
class Verdict:
    """The outcome of :func:`check_decisions`.

    ``violations``: the failures, each a sentence (``"validity violated in instance 3: ..."``);
    ``undecided``: the instances nobody decided; ``decided``: per instance, ``{replica: values}``
    (one value per lane; a replica's last incarnation's). ``properties``: the state properties
    checked on every instance's decisions (agreement first, then the model's declared ones);
    ``note``: what the reader should know about that choice (e.g. the model declares no
    properties), else ``None``."""

    instances: int
    violations: list[str] = field(default_factory=list)
    undecided: list[int] = field(default_factory=list)
    decided: dict[int, dict[int, tuple[Any, ...]]] = field(default_factory=dict)
    properties: tuple[str, ...] = (ALWAYS,)
    note: str | None = None

    @property
    def ok(self) -> bool:
        return not self.violations and not self.undecided

    @property
    def holds(self) -> str:
        """The checked properties as a claim: ``"agreement and validity hold"``."""
        names = list(self.properties)
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        return f"{listed} {'holds' if len(names) == 1 else 'hold'}"


def checked_properties(model: type[Algorithm]) -> tuple[tuple[str, ...], str | None]:
    """The state properties :func:`check_decisions` checks for ``model`` and a note on them:
    agreement (always), then every property the model declares that is a condition on one state
    (``validity``, ``commit_validity``; ``irrevocability``/``integrity`` relate two states of one
    run and are checked only as "a replica never changes its decision across incarnations")."""
    declared = tuple(model.properties)
    names = [ALWAYS]
    for name in declared:
        if PROPERTIES[name].on_state is not None and name not in names:
            names.append(name)
    note: str | None = None
    if not declared:
        note = (f"{model.__name__} declares no properties: only agreement across replicas is "
                f"checked (the runtime's own requirement: a replica adopts a peer's decision)")
    elif ALWAYS not in declared:
        note = (f"{model.__name__} does not declare agreement: it is checked anyway (the "
                f"runtime's own requirement: a replica adopts a peer's decision)")
    return tuple(names), note


def unenforced_assumption(model: type[Algorithm]) -> str | None:
    """What the runtime does not guarantee of the HO sets the model's safety proof assumes, as a
    sentence, or ``None``. A round ends when every replica was heard or on a timeout, so a
    replica may hear any subset: an ``ho_predicate`` (No-Split, a majority heard, ...) or a
    crash-stop fault model (every live process hears every process that has not crashed) may
    fail in a run. Value faults need nothing: the runtime corrupts no message."""
    from hoverify.faults import CrashStop

    if model.ho_predicate is not None:
        what = f"its HO predicate ({model.ho_predicate})"
    elif isinstance(model.fault_model, CrashStop):
        what = f"its crash-stop fault model ({model.fault_model.formula})"
    else:
        return None
    return (f"{model.__name__}'s safety is proved under {what}; the runtime ends a round on a "
            f"timeout and does not enforce it, so a violation here may come from a run outside "
            f"that assumption, not from a flaw the proof missed")


def check_decisions(model: type[Algorithm], n: int, instances: int,
                    decisions: Mapping[int, Iterable[Decision]],
                    inputs: Callable[[int, int, int], Any], lanes: int = 1) -> Verdict:
    """Check the decisions of every replica (``decisions[p]``, all incarnations) of a run of
    ``model`` on ``n`` replicas with inputs ``inputs(replica, instance, lane)`` for instances
    ``0..instances-1``, each lane an independent consensus.

    Each decision must be by a replica ``0..n-1`` and have ``lanes`` values; a replica must
    decide the same values in all its incarnations (irrevocability, as far as decisions show
    it); only instances in range may be decided. For every decided instance and lane, the
    properties of
    :func:`checked_properties` must hold in the state whose initial state is
    ``initial_state(model, [inputs(q, instance, lane) for q in range(n)])`` (the executor's: it
    runs ``init``) and in which every replica that decided has ``decided = True`` and its decided
    value as ``decision`` (the others are as in the initial state). A replica that decided
    several values over its incarnations is checked with each: the ``k``-th state takes every
    replica's ``k``-th distinct values (its last ones if it has fewer).

    ``model.init`` runs here: a :class:`~hoverify.errors.HoverifyError` it raises propagates."""
    if not (isinstance(model, type) and issubclass(model, Algorithm)):
        raise TypeError(f"check_decisions needs the model class first, not {model!r}")
    props, note = checked_properties(model)
    v = Verdict(instances, properties=props, note=note)
    step = next((p for p in model.properties if PROPERTIES[p].on_step is not None),
                "irrevocability")
    # per instance, per replica: the distinct values it decided, in order
    seen: dict[int, dict[int, list[tuple[Any, ...]]]] = {}
    for p, decs in decisions.items():
        for d in decs:
            if not 0 <= p < n:
                v.violations.append(f"instance {d.instance}: decided by replica {p}, but the "
                                    f"replicas are 0..{n - 1}")
                continue
            if len(d.values) != lanes:
                v.violations.append(f"instance {d.instance}: replica {p} decided "
                                    f"{len(d.values)} lanes, expected {lanes}")
                continue
            per = v.decided.setdefault(d.instance, {})
            if p in per and per[p] != d.values:
                v.violations.append(f"instance {d.instance}: replica {p} decided {per[p]} and "
                                    f"then {d.values} ({step})")
            per[p] = d.values
            mine = seen.setdefault(d.instance, {}).setdefault(p, [])
            if d.values not in mine:
                mine.append(d.values)
    for inst in sorted(v.decided):
        if not 0 <= inst < instances:
            v.violations.append(f"instance {inst} decided but only 0..{instances - 1} run")
            continue
        for lane in range(lanes):
            initial = initial_state(model, [inputs(q, inst, lane) for q in range(n)])
            found: dict[str, str] = {}
            for st in _decided_states(initial, seen[inst], lane):
                for name in props:
                    check = PROPERTIES[name].on_state
                    assert check is not None
                    bad = check(st, st.r) if name not in found else None
                    if bad is not None:
                        found[name] = bad.message
            where = f" in lane {lane}," if lanes > 1 else ""
            v.violations.extend(f"{name} violated in instance {inst}:{where} {msg}"
                                for name, msg in found.items())
    v.undecided = [i for i in range(instances) if i not in v.decided]
    return v


def _decided_states(initial: State, values: Mapping[int, Sequence[tuple[Any, ...]]],
                    lane: int) -> list[State]:
    """The states to check for one instance and lane: ``initial`` (as the run's initial state
    too) with each replica that decided marked decided with its value in ``lane``; one state per
    incarnation's distinct values (see :func:`check_decisions`). ``r`` is ``-1``: the states are
    not at a round of any one replica."""
    d, x = initial.names.index("decided"), initial.names.index("decision")
    states = []
    for k in range(max(len(vs) for vs in values.values())):
        rows = [list(row) for row in initial.locals]
        for p, vs in values.items():
            rows[p][d] = True
            rows[p][x] = vs[min(k, len(vs) - 1)][lane]
        states.append(initial.replace(r=-1, locals=tuple(tuple(row) for row in rows)))
    return states


__all__ = ["Verdict", "check_decisions", "checked_properties", "unenforced_assumption"]
