"""Looking for a counterexample to induction by running the model's code on random states.

When the decision procedure cannot decide a VC over a round, pre-states with few processes are
drawn, half of them random (small values), half of them reachable (the end of a random run
with lossy links, which satisfies the invariants that random states rarely do); those that
satisfy the VC's pre-condition (the invariants at the round's boundary, the HO predicate, the
fault assumption: everything but the transition relation) are run one round through the
executor, and the VC's negation is evaluated on the result. A hit is then replayed by
:func:`hoverify.engine.replay.replay_transition` like any solver counterexample, so it is only
reported when the model's code reproduces it.

Evaluation is exact: a formula with an integer quantifier the evaluator cannot decide exactly
raises, and the sample is skipped. The search is bounded by a number of samples and by time.
"""

from __future__ import annotations

import random
import time
from typing import Any

from hoverify.compiler import CompiledModel
from hoverify.engine.vcgen import VC
from hoverify.trace import RoundInput, State
from logic.structure import Structure
from logic.terms import And, symbols

SAMPLES = 4000
SECONDS = 3.0


def _value(rng: random.Random, kind: str, optional: bool, n: int, values: list[Any]) -> Any:
    if optional and rng.random() < 0.3:
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "proc":
        return rng.randrange(n)
    return rng.choice(values)


def _random_pre(cm: CompiledModel, rng: random.Random, n: int, r: int) -> tuple[State, State]:
    """A random pre-state for round ``r`` and the initial state of its inputs."""
    from hoverify.executor import initial_state

    model = cm.model
    base = list(model.values)
    ints = sorted({v for v in base if type(v) is int} | {-1, 0, 1})
    inputs = tuple(rng.choice(base) for _ in range(n))
    init = initial_state(model, inputs)
    names = init.names
    rows = []
    for _ in range(n):
        row = []
        for name in names:
            info = cm.locals[name]
            kind = info.ty.kind
            pool = ints if kind == "int" else base
            row.append(_value(rng, kind, info.ty.optional, n, pool))
        rows.append(tuple(row))
    crashed: frozenset[int] = frozenset()
    if cm.symbols.crashed is not None and rng.random() < 0.5:
        crashed = frozenset(p for p in range(n) if rng.random() < 0.25)
    return State(r, names, tuple(rows), inputs, crashed), init


def _reachable_pre(cm: CompiledModel, rng: random.Random, n: int,
                   r: int) -> tuple[State, State]:
    """A reachable pre-state for round ``r`` (a random run with lossy links) and its initial
    state: reachable states satisfy the invariants, which random ones rarely do."""
    from hoverify.executor import run

    omit = rng.choice((0.1, 0.3, 0.6))
    trace = run(cm.model, n, r, f"omit:{omit}", seed=rng.randrange(1 << 30),
                stop_on_violation=False, record=False)
    return (trace.rounds[-1].post if trace.rounds else trace.initial), trace.initial


def search(cm: CompiledModel, vc: VC, *, samples: int = SAMPLES, seconds: float = SECONDS,
           seed: int = 0) -> Structure | None:
    """A structure on which ``vc.negation`` holds, built from a real executor step, or None."""
    from hoverify.executor import step
    from hoverify.ho import HOSets
    from logic.evaluate import holds

    if vc.round is None or not vc.kind.over_round:
        return None
    rng = random.Random(seed)
    k = len(cm.rounds)
    # the pre-condition: the hypotheses about the pre-state (not the relation, nor the round
    # lemmas, which mention the post-state)
    pre_hyps = And(*[h for h in vc.hypotheses if h is not vc.round.relation
                     and not any(f.version == "next" for f in symbols(h))])
    deadline = time.perf_counter() + seconds
    min_n = cm.model.min_n  # checked by the compiler: a whole number, at least 1
    for i in range(samples):
        if time.perf_counter() > deadline:
            break
        n = min_n + i % 4
        r = k * rng.randrange(3) + vc.round.index
        try:
            pre, init = (_reachable_pre if i % 2 else _random_pre)(cm, rng, n, r)
        except Exception:  # noqa: BLE001 - a run the adversary cannot make is skipped
            continue
        full = (1 << n) - 1
        if i % 3 == 2:  # uniform rounds (everyone hears the same set): good-round predicates
            masks = (rng.randrange(full + 1),) * n
        else:
            masks = tuple(rng.choice((full, rng.randrange(full + 1))) for _ in range(n))
        rinput = RoundInput(HOSets(masks))
        try:
            s = _with_init(cm, cm.encode(pre, rinput), init)
            if not holds(pre_hyps, s):
                continue
            post = step(cm.model, pre, rinput, r)
            s = _with_init(cm, cm.encode(pre, rinput, post), init)
            if holds(vc.negation, s):
                return s
        except Exception:  # noqa: BLE001 - a sample that cannot be run or evaluated is skipped
            continue
    return None


def _with_init(cm: CompiledModel, s: Structure, init: State) -> Structure:
    """``s`` with the ``init`` copy of the locals taken from the initial state ``init``."""
    enc = cm.encode(init)
    funcs = dict(s.functions)
    for f, table in enc.functions.items():
        if f.version is None and f in {info.sym for info in cm.locals.values()} | {
                info.def_sym for info in cm.locals.values() if info.def_sym is not None}:
            funcs[f.versioned("init")] = table
    domains = {srt: tuple(sorted(set(s.domains.get(srt, ())) | set(d)))
               for srt, d in enc.domains.items()}
    domains.update({srt: d for srt, d in s.domains.items() if srt not in domains})
    return Structure(s.n, domains, funcs, s.constants)


__all__ = ["search"]
