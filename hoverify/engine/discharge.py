"""Discharging one VC: the decision procedure on one or more backends, then replay.

* ``proved`` only on an unsat answer of the reduction (which over-approximates the VC), of the
  VC or of one of its slices (weaker premises, tried first: :mod:`hoverify.engine.vcgen`);
* a sat answer comes with a model already validated against the VC's formula by the evaluator
  (:mod:`logic.decide`); it is then replayed through the model's own code
  (:mod:`hoverify.engine.replay`) and the VC is ``refuted`` only if the replay confirms it;
* anything else (solver unknown, timeout, crash, a reduction too large, an unconfirmed model) is
  ``unknown`` with the reason.

Backends: ``z3``, ``cvc5``, ``yices``; ``portfolio`` tries them in that order and the first
definitive answer wins; ``cross-check`` asks all three and reports a disagreement between two
definitive answers as an ``error``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypedDict

from hoverify.compiler import CompiledModel
from hoverify.engine.results import Counterexample, Status, VCResult
from hoverify.engine.vcgen import VC, Slice, VCKind
from logic.errors import LogicError
from logic.result import Answer, CheckResult

if TYPE_CHECKING:
    from hoverify.engine.hints import Hint
    from logic.decide import Attempt, Prepared

BACKENDS = ("z3", "cvc5", "yices")
MODES = (*BACKENDS, "portfolio", "cross-check")


#: the share of a VC's timeout its slices may use together (see :mod:`hoverify.engine.vcgen`),
#: each what is left of it in equal parts with the slices after it: a VC over a round with
#: lemmas has one or two slices, a lemma after the first three
SLICES_SHARE = 0.5
#: a slice is tried with the cheapest reduction only (instantiation depth 0 with triggers, named
#: processes as anchors), and only while it stays this small: it is worth trying because it is
#: small (a larger one is set aside for the VC itself)
SLICE_INSTANCES = 10_000


def _slice_attempts() -> tuple[Attempt, ...]:
    """One attempt. The same depth without anchors was tried second until it was measured: over
    the 67 slices of six models it proved none that the anchored one had not (it timed out on
    one that the anchored one proved in 0.9 s), and it cost 21.5 s where the anchored one had
    failed."""
    from logic.decide import Attempt

    return (Attempt(0, anchored=True),)


#: a slice that extends an earlier one (``Slice.extends``: a round lemma's slice from the round
#: and the lemmas before it extends the one from the round alone) is tried before it if its
#: reduction is at most this many times as large: what it adds costs the solver little, and it
#: may be what the proof needs. Of the 16 such pairs in the models, 7 are within 1.03 times, the
#: others 1.29 to 7.8 times. A_T,E's lemmas 2 and 5 fail from the round alone in
#: 2-3 s and are proved from the wider slice in 1.2-1.8 s: over its six lemmas (5 z3 seeds,
#: ``hoverify check models/ate.py --only round_lemmas --jobs 1``), the medians sum to 9.96 s
#: against 12.43 s when the slices keep their order
WIDER_SLICE_GROWTH = 1.2


def shares(pending: list[Slice]) -> int:
    """In how many equal parts the slices ``pending`` share their time: a slice that extends
    another one (:data:`WIDER_SLICE_GROWTH`) shares the other's part, as the two are one premise
    tried in either order. A round lemma's four slices have three parts: A_T,E's step lemma 2,
    proved from the lemma before in 3-3.6 s, ran out of a quarter (3.75 s) under load and was
    then checked whole (25 s)."""
    labels = {sl.label for sl in pending}
    return max(1, sum(1 for sl in pending if sl.extends not in labels))


class _SliceError(Exception):
    """A slice's reduction failed while the next slice was chosen."""

    def __init__(self, sl: Slice, error: LogicError) -> None:
        super().__init__(str(error))
        self.slice, self.error = sl, error


def _next_slice(vc: VC, pending: list[Slice], prepared: dict[str, Prepared],
                seconds: float) -> Slice:
    """Take the next slice to try from ``pending``: the first, unless a later one extends it
    with a reduction hardly larger (:data:`WIDER_SLICE_GROWTH`). The reductions built to compare
    them go into ``prepared``, by label."""
    from logic.decide import prepare

    first = pending.pop(0)
    wider = next((sl for sl in pending if sl.extends == first.label), None)
    if wider is None or first.label in prepared:
        return first
    assert set(first.hypotheses) <= set(wider.hypotheses), (first.label, wider.label)
    (attempt,) = _slice_attempts()
    try:
        prepared[first.label] = prepare(vc.slice_negation(first.label), attempt,
                                        timeout=seconds, max_instances=SLICE_INSTANCES)
    except LogicError as e:
        raise _SliceError(first, e) from e
    bound = max(1, int(WIDER_SLICE_GROWTH * prepared[first.label].instances))
    try:
        other = prepare(vc.slice_negation(wider.label), attempt, timeout=seconds,
                        max_instances=bound)
    except LogicError:  # TooManyInstances: more than hardly larger
        return first
    # its triggered rounds (if staged), and the full decomposition tried after a slow sparse
    # query (logic.decide.EXACT_ATOMS), may go beyond the bound of the comparison
    other.reduction.reducer.max_instances = SLICE_INSTANCES
    prepared[wider.label] = replace(other, max_instances=SLICE_INSTANCES)
    pending.remove(wider)
    pending.insert(0, first)
    return wider


def _hinted(vc: VC, hint: Hint, backend: str, timeout: float,
            isolate: bool) -> CheckResult | None:
    """The unsat answer of the query ``hint`` names (:mod:`hoverify.engine.hints`), or ``None``
    if it gives none: a slice or an attempt that this VC does not have, any other answer, an
    error. Only an unsat answer is kept: it proves the VC as it would at its turn."""
    from logic.decide import MAX_INSTANCES, Attempt, check

    try:
        attempt = Attempt.from_label(hint.attempt)
    except ValueError:
        return None
    formula, limit = vc.negation, MAX_INSTANCES
    if hint.slice is not None:
        if all(sl.label != hint.slice for sl in vc.slices):
            return None
        formula, limit = vc.slice_negation(hint.slice), SLICE_INSTANCES
    try:
        res = check(formula, backend=backend, timeout=hint.budget(timeout), isolate=isolate,
                    max_instances=limit, attempts=(attempt,), refute_only=True,
                    encoding="full" if hint.exact else "auto")
    except LogicError:
        return None
    if res.answer is not Answer.UNSAT:
        return None
    if hint.slice is not None:
        res.stats["slice"] = hint.slice
    if hint.exact:
        res.stats["exact_layers"] = True
    res.stats["hinted"] = True
    return res


def _decide(vc: VC, backend: str, timeout: float, isolate: bool,
            hint: Hint | None = None) -> CheckResult:
    """Its slices first (an unsat answer for one proves the VC; any other is set aside), then
    the VC itself with the time left. ``isolate``: each solver query in a forked child (see
    :func:`discharge`). With a ``hint``, the query it names first (:func:`_hinted`), then all of
    that with the time left."""
    from logic.decide import check, decide_prepared

    start = time.perf_counter()
    if hint is not None:
        res = _hinted(vc, hint, backend, timeout, isolate)
        if res is not None:
            return replace(res, seconds=time.perf_counter() - start)
        timeout = max(0.05, timeout - (time.perf_counter() - start))
        start = time.perf_counter()
    set_aside: list[str] = []
    pending = list(vc.slices)
    prepared: dict[str, Prepared] = {}
    while pending:
        # the slices' share of the time, what is left of it in equal parts (a slice that fails
        # fast leaves its part to the ones after it)
        left = SLICES_SHARE * timeout - (time.perf_counter() - start)
        budget = max(0.05, left / shares(pending))
        try:
            sl = _next_slice(vc, pending, prepared, budget)
            ready = prepared.pop(sl.label, None)
            if ready is not None:
                res = decide_prepared(ready, backend=backend, isolate=isolate,
                                      timeout=max(0.05, budget - ready.seconds),
                                      refute_only=True)
            else:
                res = check(vc.slice_negation(sl.label), backend=backend, timeout=budget,
                            max_instances=SLICE_INSTANCES, attempts=_slice_attempts(),
                            isolate=isolate, refute_only=True)
        except _SliceError as e:
            set_aside.append(f"from {e.slice.label}: {e.error}")
            continue
        except LogicError as e:
            set_aside.append(f"from {sl.label}: {e}")
            continue
        if res.answer is Answer.UNSAT:
            res.stats["slice"] = sl.label
            return replace(res, seconds=time.perf_counter() - start)
        # never sat: only a refutation is asked of a slice
        set_aside.append(f"from {sl.label}: {res.reason or 'unknown'}")
    left = max(0.05, timeout - (time.perf_counter() - start))
    try:
        res = check(vc.negation, backend=backend, timeout=left, small_model=True,
                    isolate=isolate)
    except LogicError as e:
        return CheckResult(Answer.UNKNOWN, backend, time.perf_counter() - start, None,
                           f"the decision procedure cannot handle this VC: {e}")
    if res.answer is Answer.UNKNOWN and set_aside:
        res = replace(res, reason=f"{res.reason} [first tried {'; '.join(set_aside)}]")
    return res


def _stats(res: CheckResult) -> dict[str, Any]:
    st = res.stats
    out: dict[str, Any] = {k: st[k] for k in ("set_atoms", "regions", "instances", "attempt",
                                              "slice", "hinted", "before_triggered_rounds",
                                              "before_deeper_values", "exact_layers", "restarts")
                           if k in st}
    return out


def _replay(cm: CompiledModel, vc: VC, res: CheckResult) -> tuple[bool, str, Counterexample]:
    from hoverify.engine.canon import canonical_processes
    from hoverify.engine.cti import cti_json, render_cti
    from hoverify.engine.replay import replay_initial, replay_state, replay_transition

    assert res.model is not None
    structure = canonical_processes(cm, res.model.structure)
    if vc.kind is VCKind.INITIATION:
        rep = replay_initial(cm, structure, vc.negation)
    elif vc.kind in (VCKind.PROPERTY, VCKind.CONCLUSION):
        rep = replay_state(cm, structure, vc.negation)
    else:
        rep = replay_transition(cm, structure, vc.negation)
    cex = Counterexample(render_cti(cm, rep, res.model), cti_json(cm, rep, res.model))
    return rep.confirmed, rep.reason, cex


def _sampled(cm: CompiledModel, vc: VC, timeout: float) -> Counterexample | None:
    """A counterexample to induction found by running the model's code on random states (see
    :mod:`hoverify.engine.sample`), confirmed by replay."""
    from hoverify.engine.cti import cti_json, render_cti
    from hoverify.engine.replay import replay_transition
    from hoverify.engine.sample import search

    structure = search(cm, vc, seconds=min(3.0, max(0.05, timeout / 4)))
    if structure is None:
        return None
    rep = replay_transition(cm, structure, vc.negation)
    if not rep.confirmed:
        return None
    text = "found by running the model's code on random small states\n" + render_cti(
        cm, rep, None)
    return Counterexample(text, {**cti_json(cm, rep, None), "found_by": "random states"})


class _Common(TypedDict):
    """The fields of a :class:`VCResult` that do not depend on the verdict."""

    name: str
    kind: VCKind
    backend: str
    file: str
    target: str
    target_line: int | None
    round_name: str | None
    round_line: int | None
    stats: dict[str, Any]


def _one(cm: CompiledModel, vc: VC, backend: str, timeout: float, isolate: bool,
         hint: Hint | None = None) -> VCResult:
    start = time.perf_counter()
    res = _decide(vc, backend, timeout, isolate, hint)
    base = _Common(name=vc.name, kind=vc.kind, backend=backend, file=vc.file, target=vc.target,
                   target_line=vc.target_line, round_name=vc.round_name,
                   round_line=vc.round.line if vc.round is not None else None,
                   stats=_stats(res))
    if res.answer is Answer.UNSAT:
        return VCResult(status=Status.PROVED, seconds=time.perf_counter() - start, **base)
    if res.answer is Answer.UNKNOWN:
        found = _sampled(cm, vc, timeout)
        if found is not None:
            return VCResult(status=Status.REFUTED, seconds=time.perf_counter() - start,
                            counterexample=found, **base)
        reason = (res.reason or "").replace("; try a larger depth", "")
        if reason.startswith("the solver found a candidate model"):
            reason += ("; no counterexample found by running the model's code on random small "
                       "states either")
        return VCResult(status=Status.UNKNOWN, seconds=time.perf_counter() - start,
                        reason=reason or "the solver returned unknown", **base)
    confirmed, why, cex = _replay(cm, vc, res)
    seconds = time.perf_counter() - start
    if confirmed:
        return VCResult(status=Status.REFUTED, seconds=seconds, counterexample=cex, **base)
    return VCResult(status=Status.UNKNOWN, seconds=seconds,
                    reason=f"the solver's counterexample is not confirmed by running the model's "
                           f"code: {why}", **base)


def discharge(cm: CompiledModel, vc: VC, mode: str = "z3", timeout: float = 30.0, *,
              isolate: bool = True, hint: Hint | None = None) -> VCResult:
    """Decide ``vc`` with the backend or mode ``mode`` (see the module docstring).

    ``isolate`` (the default) runs each solver query in a forked child that is killed if it
    overruns its timeout (:func:`logic.backends.solve`). The runner passes ``False`` for a single
    backend: it already runs each VC in a worker process under a memory limit and a hard
    deadline per VC, which is that isolation once per VC instead of once per query (LastVoting's
    safety check: 4.97 -> 4.77 s, median of 5); a solver that ignores its own limit then ends as
    the VC's timeout. For ``portfolio`` and ``cross-check`` it keeps ``True``: one backend's crash
    or overrun must not cost the others their answers.

    A proof may rest on the round's lemmas: those of a slice in ``FROM_LEMMAS``, or, for a lemma's
    VC, the lemmas before it among its hypotheses. It stands only if the lemmas it used are proved
    too, which the caller checks (:func:`hoverify.engine.runner.check_compiled` does, with
    :func:`~hoverify.engine.runner.proof_premises`).

    ``hint`` (:mod:`hoverify.engine.hints`): the query that proved the VC before, asked first.
    It is used only if it was recorded with the backend ``mode`` (a reduction that suits z3 may
    not suit cvc5; ``portfolio`` and ``cross-check`` take none)."""
    if mode in BACKENDS:
        return _one(cm, vc, mode, timeout, isolate,
                    hint if hint is not None and hint.backend == mode else None)
    start = time.perf_counter()
    results: list[VCResult] = []
    for backend in BACKENDS:
        left = timeout - (time.perf_counter() - start) if mode == "portfolio" else timeout
        if left <= 0.05:
            break
        r = _one(cm, vc, backend, left, isolate)
        results.append(r)
        if mode == "portfolio" and r.status is not Status.UNKNOWN:
            return replace(r, seconds=time.perf_counter() - start, backend=f"portfolio:{backend}")
    seconds = time.perf_counter() - start
    if mode == "portfolio":
        last = results[-1] if results else _one(cm, vc, BACKENDS[0], 0.1, isolate)
        reasons = "; ".join(f"{r.backend}: {r.reason}" for r in results)
        return replace(last, seconds=seconds, backend="portfolio", reason=reasons)
    definitive = {r.backend: r.status for r in results if r.status is not Status.UNKNOWN}
    if len(set(definitive.values())) > 1:
        told = ", ".join(f"{b} says {s}" for b, s in definitive.items())
        return replace(results[0], status=Status.ERROR, seconds=seconds, counterexample=None,
                       backend="cross-check",
                       reason=f"the backends disagree ({told}): this is a bug in hoverify or a "
                              f"solver; please report it with `hoverify check --smtlib DIR`")
    if any(r.status is Status.UNKNOWN for r in results):
        unknown = [r for r in results if r.status is Status.UNKNOWN]
        return replace(unknown[0], status=Status.UNKNOWN, seconds=seconds, counterexample=None,
                       backend="cross-check",
                       reason="not every backend decided it: " + "; ".join(
                           f"{r.backend}: {r.reason}" for r in unknown))
    return replace(results[0], seconds=seconds, backend="cross-check")


__all__ = ["BACKENDS", "MODES", "discharge"]
