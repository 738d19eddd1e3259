"""The decision procedure's entry points: ``check`` (satisfiability) and ``entails`` (validity).

``check`` reduces the formula to quantifier-free UF + LIA (:mod:`logic.reduce`), asks a backend,
and interprets the answer:

* ``unsat`` of the reduction is ``UNSAT`` (the reduction is implied by the formula);
* ``sat`` yields a candidate model, decoded (:mod:`logic.decode`) and evaluated against the
  *original* formula (:mod:`logic.evaluate`). Only a model that satisfies it makes the answer
  ``SAT``; otherwise the answer is ``UNKNOWN`` with the reason (incomplete instantiation);
* a solver's unknown, a timeout or a crash is ``UNKNOWN`` with the solver's reason.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from logic.errors import LogicError, TooManyInstances, UnsupportedError
from logic.result import Answer, CheckResult
from logic.sorts import SortKind
from logic.structure import Structure
from logic.terms import And, Not, Term, subterms

if TYPE_CHECKING:
    from logic.backends import SolverOutcome
    from logic.reduce import Reduction

FNode = Any

DEFAULT_TIMEOUT = 30.0
SMALL_MODEL = 8
SMALL_MODEL_SECONDS = 2.0
#: the generic regions per sparse layer of the model looked for first: when the reduction's
#: sparse Venn layers are large (at least :data:`logic.venn.LARGE_LAYER_REGIONS` generic regions)
#: and have more region bits than the reduction has quantifier instances
#: (:func:`_layers_dominate`), ``check`` first tries the reduction without them
#: (``Reduction.relaxation``: an unsat core among a few sets then costs no search over the bits),
#: then looks for a model using at most :data:`SMALL_SUPPORT_REGIONS` generic regions per sparse
#: layer (the common case: the benchmark's satisfiable systems over 48 sets have one with 8, which
#: z3 finds in 0.3 s against more than 20 s for the full query), and only then asks the full query.
#: Each extra query is small when it decides nothing. A VC's reduction has more instances than
#: bits and goes straight to the full query: mostly unsat, it would pay for the small-support
#: query (Ben-Or's invariant[0] Propose: 6 s without it, 11 s with it). (A formula without
#: quantifiers gets the relaxation before its layer is even built: ``Reducer.run``.)
SMALL_SUPPORT_REGIONS = 8
#: the share of the remaining time the small-support query gets (the full query has the rest)
SMALL_SUPPORT_SHARE = 0.25
#: the query before the triggered rounds (see ``logic.reduce.TRIGGERED_ROUNDS``): its unsat
#: answer proves the formula with fewer instances (LastVoting's invariant 0 over Collect: 2,811
#: instead of 7,417, unsat in 0.17 s). It is a probe: it gets as long as the reduction took to
#: build (at least EARLY_SECONDS), at most EARLY_SHARE of the remaining time; the query with
#: the triggered rounds has the rest
EARLY_SHARE = 0.5
EARLY_SECONDS = 0.1
#: the exact layers after a slow sparse query: when an attempt's reduction has sparse Venn layers
#: over at most EXACT_ATOMS set atoms, its query gets EXACT_AFTER_SECONDS (at least
#: EXACT_AFTER_FACTOR times the reduction's time); if it has not answered by then, the same
#: attempt is reduced with the full decomposition (every region, constant membership bits: no
#: search over the bits) and asked with at most EXACT_SHARE of the time left; if that does not
#: decide either, the sparse query again with the rest. z3's time on a sparse query is heavy-
#: tailed where the full one is steady: A_T,E's round lemma 1 (8 atoms, 38 generic regions
#: against 256), over z3 seeds 0-11: 0.86-11.6 s sparse (median 2.2 s), 0.32-0.38 s full
#: (plus 0.4 s to build it). Only A_T,E's VCs have such layers among the models; their sparse
#: queries that answer take 0.02-0.33 s (its step-3 progress VC: 0.26-0.33 s, and 0.5-0.6 s in
#: all through the full decomposition). Waiting 0.2 s rather than 0.5 s: A_T,E's whole check
#: 2.38 -> 2.04 s (medians of 6, z3 seeds 0-2, two jobs)
EXACT_ATOMS = 9
EXACT_AFTER_SECONDS = 0.2
EXACT_AFTER_FACTOR = 2.0
EXACT_SHARE = 0.5
#: restarts of a slow sparse query on z3 (layers too large for the full decomposition): it gets
#: RESTART_AFTER_SECONDS (at least RESTART_AFTER_FACTOR times the reduction's time), then is
#: asked again with another seed and RESTART_GROWTH times the time, and so on until the time is
#: up. z3's time on such a query is heavy-tailed in its seed: A_T,E's step-1 lemma 0 over 10 atoms
#: (53 generic regions; 1,024 full ones would take 17,454 instances), seeds 0-7: 0.8-1.4 s six
#: times, 7.0 and 14.3 s twice; in a worker after other VCs once more than 15 s
RESTART_AFTER_SECONDS = 2.0
RESTART_AFTER_FACTOR = 10.0
RESTART_GROWTH = 2.0
#: at most this many restarts (their times grow geometrically: the last ones outlast any timeout)
MAX_RESTARTS = 8
#: the default bound on the quantifier instances of one reduction
MAX_INSTANCES = 200_000


class Models(enum.Enum):
    """What ``check`` does with a satisfiable reduction."""

    #: decode a model (at most 64 processes if the solver allows it) and validate it
    VALIDATED = "validated"
    #: the same, after up to two seconds looking for one with at most 8 processes
    SMALL = "small"
    #: nothing: only an unsat answer is wanted (a sat reduction is an unknown answer, at once)
    NONE = "none"


def check(formula: Term, *, backend: str = "z3", encoding: str = "auto",
          depth: int | None = None, timeout: float = DEFAULT_TIMEOUT,
          isolate: bool = True, small_model: bool = False,
          triggers: bool | None = None, max_instances: int = MAX_INSTANCES,
          attempts: tuple[Attempt, ...] | None = None,
          refute_only: bool = False) -> CheckResult:
    """Decide the satisfiability of ``formula`` (free variables are constants).

    A sat answer's model has at most 64 processes when the solver allows it (so that it can be
    validated); ``small_model=True`` also spends up to two seconds looking for one with at most 8,
    for counterexamples a person reads. ``refute_only=True``: only an unsat answer is wanted (a
    weaker form of a formula, tried first): a reduction with a model is an unknown answer at
    once, with no model read, decoded or validated (never a sat answer).

    ``triggers`` (see :func:`logic.reduce.reduce_formula`): ``None`` first tries the reduction with
    triggers (few instances: most unsat answers) and, if its candidate model does not validate,
    the full one. Every attempt is sound on its own: unsat of any set of instances is unsat of the
    formula, and a sat answer is always validated.

    ``max_instances`` bounds the quantifier instances of each reduction (one that needs more is
    not tried: unknown with that reason). ``attempts`` replaces the default sequence of
    reductions (:data:`ATTEMPTS`; a ``depth`` given is ignored then).
    """
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")
    if depth is not None and depth < 0:
        raise ValueError(f"depth must be at least 0, not {depth}")
    models = _models(small_model, refute_only)
    start = time.perf_counter()
    if triggers is not None:
        return _attempt(formula, backend, encoding, depth, timeout, isolate, models,
                        triggers, max_instances=max_instances)
    # iterative deepening: cheap reductions first (each one is sound on its own); a depth given
    # by the caller is tried with triggers, then with every instance
    if attempts is None:
        attempts = ATTEMPTS if depth is None else (
            Attempt(depth, anchored=True), Attempt(depth), Attempt(depth, triggers=False))
    best: CheckResult | None = None
    tried: list[str] = []  # what each attempt came to, for the final unknown's reason
    model_found: CheckResult | None = None
    # the instantiations (depth, triggers, membership triggers) that overflowed max_instances
    # before any Venn layer: an attempt with the same ones differs only in its layers, so it
    # would repeat the same instances up to the same overflow
    overflowed: set[tuple[int, bool, bool]] = set()
    for at in attempts:
        label = at.label
        remaining = timeout - (time.perf_counter() - start)
        if remaining <= 0.05:
            tried.append(f"{label}: no time left")
            break
        grounds = (at.depth, at.triggers, at.member_triggers)
        if grounds in overflowed:
            tried.append(f"{label}: not tried (the same instances as an attempt before, which "
                         f"exceeded {max_instances})")
            continue
        try:
            res = _attempt(formula, backend, encoding, at.depth, remaining, isolate, models,
                           at.triggers, at.witness_terms, at.anchored, at.member_triggers,
                           max_instances)
        except UnsupportedError as e:
            tried.append(f"{label}: {e}")
            if isinstance(e, TooManyInstances) and e.before_layers:
                overflowed.add(grounds)
            if best is None:
                best = _unknown(backend, start, f"{e}")
            continue
        res.stats["attempt"] = label
        res = replace(res, seconds=time.perf_counter() - start)
        if res.answer is Answer.SAT and at.anchored and _has_anchors(res):
            # a true model, but the next attempt (named processes counted) reports a clearer one
            # (without process terms, the two reductions are the same: this model is that one)
            tried.append(f"{label}: a model (the next attempt describes it better)")
            model_found = res  # reported if the next attempts do not decide
            continue
        if res.answer is not Answer.UNKNOWN:
            return res
        tried.append(f"{label}: " + (
            "a candidate model that does not satisfy the formula"
            + (f" (n = {res.stats['candidate_n']})" if "candidate_n" in res.stats else "")
            if res.stats.get("incomplete") and models is not Models.NONE
            else res.reason or "unknown"))
        best = res
        if not res.stats.get("incomplete"):
            break  # the solver itself gave up: a larger reduction will not help
    if model_found is not None:
        return model_found
    assert best is not None or timeout <= 0.05
    if best is None:
        return _unknown(backend, start, "no time left")
    if len(tried) > 1:
        best.stats["attempts"] = tried
        best = replace(best, reason=f"{best.reason} [attempts: {'; '.join(tried)}]")
    return best


@dataclass(frozen=True)
class Attempt:
    """One reduction tried by ``check`` (see :func:`logic.reduce.reduce_formula`)."""

    depth: int
    triggers: bool = True
    witness_terms: bool = True
    anchored: bool = False
    member_triggers: bool = False

    @property
    def label(self) -> str:
        return ", ".join([f"depth {self.depth}", *(name for name, on in self._flags() if on)])

    def _flags(self) -> tuple[tuple[str, bool], ...]:
        return (("triggers", self.triggers), ("no witness terms", not self.witness_terms),
                ("anchored", self.anchored), ("membership triggers", self.member_triggers))

    @classmethod
    def from_label(cls, label: str) -> Attempt:
        """The attempt whose :attr:`label` is ``label`` (as results record it); ``ValueError``
        if it is not one."""
        head, *rest = [part.strip() for part in label.split(",")]
        words = head.split()
        if len(words) != 2 or words[0] != "depth" or not words[1].isdigit():
            raise ValueError(f"not an attempt's label: {label!r} (expected 'depth N, ...')")
        known = {name for name, _ in cls(0)._flags()}
        unknown = [part for part in rest if part not in known]
        if unknown:
            raise ValueError(f"not an attempt's label: {label!r} (unknown {unknown[0]!r}; "
                             f"expected some of {', '.join(sorted(known))})")
        attempt = cls(int(words[1]), triggers="triggers" in rest,
                      witness_terms="no witness terms" not in rest, anchored="anchored" in rest,
                      member_triggers="membership triggers" in rest)
        if attempt.label != label:
            raise ValueError(f"not an attempt's label: {label!r} (expected {attempt.label!r})")
        return attempt


#: the successive attempts of ``check``: cheap reductions first, each sound on its own. An
#: anchored reduction is the easiest for the solvers to refute; its sat answers seldom decode, so
#: the same depth follows with the named processes counted (for a counterexample a person reads)
ATTEMPTS = (Attempt(0, anchored=True), Attempt(0, anchored=True, member_triggers=True),
            Attempt(0), Attempt(2, witness_terms=False),
            Attempt(1, anchored=True), Attempt(1), Attempt(1, triggers=False))


def _has_anchors(res: CheckResult) -> bool:
    """Whether the anchored reduction behind ``res`` has anchors (else it is the same reduction
    as with the named processes counted)."""
    return res.reduction is None or any(layer.anchors for layer in res.reduction.reducer.layers)


def _unknown(backend: str, start: float, reason: str) -> CheckResult:
    return CheckResult(Answer.UNKNOWN, backend, time.perf_counter() - start, None, reason)


@dataclass(frozen=True)
class Prepared:
    """A reduction of ``formula`` built by :func:`prepare` and not yet asked
    (:func:`decide_prepared`): a caller can compare the sizes of several before it chooses which
    to ask first."""

    formula: Term
    attempt: Attempt
    reduction: Reduction
    #: how long the reduction took to build
    seconds: float
    #: the Venn encoding asked for (``logic.reduce.reduce_formula``'s ``encoding``)
    encoding: str = "auto"
    #: the largest reduction allowed (its quantifier instances): the full decomposition tried
    #: after a slow sparse query (see :data:`EXACT_ATOMS`) is bounded by it too
    max_instances: int = MAX_INSTANCES

    @property
    def instances(self) -> int:
        """The quantifier instances of the reduction (so far, if it is staged)."""
        return self.reduction.reducer.stats.instances


def prepare(formula: Term, attempt: Attempt, *, encoding: str = "auto",
            timeout: float = DEFAULT_TIMEOUT, max_instances: int = MAX_INSTANCES,
            staged: bool = True) -> Prepared:
    """The reduction of ``formula`` that ``attempt`` names, built within ``timeout`` seconds
    with at most ``max_instances`` quantifier instances (else :class:`TooManyInstances`, or
    another :class:`UnsupportedError`, as :func:`check` reports them). ``staged`` (as ``check``
    builds it): stopped before the triggered rounds where they would add many instances
    (:meth:`logic.reduce.Reducer.run`); ``False``: the whole reduction."""
    from logic.reduce import reduce_formula

    start = time.perf_counter()
    reduction = reduce_formula(formula, depth=attempt.depth, encoding=encoding,
                               triggers=attempt.triggers, deadline=start + timeout,
                               witness_terms=attempt.witness_terms, anchored=attempt.anchored,
                               member_triggers=attempt.member_triggers,
                               max_instances=max_instances, staged=staged and attempt.triggers)
    return Prepared(formula, attempt, reduction, time.perf_counter() - start, encoding,
                    max_instances)


def reduction_of(formula: Term, attempt: Attempt, stats: Mapping[str, Any]) -> Reduction:
    """The reduction of ``formula`` whose answer gave a result with these ``stats`` (an
    ``attempt`` of :func:`check`), built again: the whole one, or the stage it stopped at
    (``before_deeper_values``, ``before_triggered_rounds``; see :meth:`Reducer.run`)."""
    if stats.get("exact_layers"):
        return prepare(formula, attempt, encoding="full", timeout=math.inf,
                       staged=False).reduction
    early = bool(stats.get("before_triggered_rounds"))
    red = prepare(formula, attempt, timeout=math.inf, staged=early).reduction
    if early and red.reducer.pending_deep_values and not stats.get("before_deeper_values"):
        red = red.reducer.extend() or red  # the stage after the deeper values
    return red


def decide_prepared(prepared: Prepared, *, backend: str = "z3",
                    timeout: float = DEFAULT_TIMEOUT, isolate: bool = True,
                    small_model: bool = False, refute_only: bool = False) -> CheckResult:
    """Ask ``backend`` about a reduction made by :func:`prepare` (``timeout`` for that, the
    reduction's time not counted), and interpret the answer as :func:`check` does for one
    attempt (the same options)."""
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")
    # what is left to build (the triggered rounds of a staged reduction) has this time too, not
    # what was left when it was prepared
    prepared.reduction.reducer.deadline = time.perf_counter() + timeout
    res = _answer_by_time(prepared, backend, timeout + prepared.seconds, isolate,
                          _models(small_model, refute_only),
                          time.perf_counter() - prepared.seconds)
    res.stats["attempt"] = prepared.attempt.label
    return res


def _attempt(formula: Term, backend: str, encoding: str, depth: int | None, timeout: float,
             isolate: bool, models: Models, triggers: bool,
             witness_terms: bool = True, anchored: bool = False,
             member_triggers: bool = False, max_instances: int = MAX_INSTANCES) -> CheckResult:
    from logic.reduce import DEFAULT_DEPTH

    start = time.perf_counter()
    attempt = Attempt(DEFAULT_DEPTH if depth is None else depth, triggers, witness_terms,
                      anchored, member_triggers)
    prepared = prepare(formula, attempt, encoding=encoding, timeout=timeout,
                       max_instances=max_instances)
    return _answer_by_time(prepared, backend, timeout, isolate, models, start)


def _answer_by_time(prepared: Prepared, backend: str, timeout: float, isolate: bool,
                    models: Models, start: float) -> CheckResult:
    """:func:`_answer` for ``prepared`` (``start``, ``timeout``: as there); if its reduction has
    sparse Venn layers and their query is slow, with the full decomposition in between (see
    :data:`EXACT_ATOMS`) and, on z3, restarts with other seeds (see :data:`RESTART_AFTER_SECONDS`).
    Every answer is one of ``_answer``'s for a reduction of the formula: the full decomposition
    is exact, so its unsat is the formula's, and its models are validated as any."""
    exact_ok = _exact_affordable(prepared.reduction)
    restarts = backend == "z3"
    if prepared.encoding != "auto" or not (exact_ok or (restarts and _sparse(prepared.reduction))):
        return _answer(prepared.formula, prepared.reduction, prepared.seconds, backend, timeout,
                       isolate, models, start)
    after, factor = ((EXACT_AFTER_SECONDS, EXACT_AFTER_FACTOR) if exact_ok
                     else (RESTART_AFTER_SECONDS, RESTART_AFTER_FACTOR))
    budget = max(after, factor * prepared.seconds)
    if prepared.seconds + budget >= timeout:
        return _answer(prepared.formula, prepared.reduction, prepared.seconds, backend, timeout,
                       isolate, models, start)
    first = _answer(prepared.formula, prepared.reduction, prepared.seconds, backend, timeout,
                    isolate, models, start, answer_by=prepared.seconds + budget)
    if not _timed_out(first):
        return first
    sparse = first.reduction
    assert sparse is not None
    left = timeout - (time.perf_counter() - start)
    if left > 0.05 and _exact_affordable(sparse):
        share = EXACT_SHARE * left
        began = time.perf_counter()
        try:
            exact = prepare(prepared.formula, prepared.attempt, encoding="full", timeout=share,
                            max_instances=prepared.max_instances, staged=False)
        except UnsupportedError:
            exact = None  # too large or too slow to build: the sparse one goes on
        if exact is not None:
            res = _answer(prepared.formula, exact.reduction, exact.seconds, backend,
                          timeout - (began - start), isolate, models, began, answer_by=share)
            if not _timed_out(res):
                res.stats["exact_layers"] = True
                return replace(res, seconds=time.perf_counter() - start)
    # the sparse query again: on z3 with another seed and twice the time each time (a restart
    # ends a heavy tail; see RESTART_AFTER_SECONDS), on the others once with the time left
    res = first
    for seed in range(1, MAX_RESTARTS + 1):
        left = timeout - (time.perf_counter() - start)
        if left <= 0.05:
            break
        budget *= RESTART_GROWTH
        run = min(left, budget) if restarts else left
        res = _answer(prepared.formula, sparse, prepared.seconds, backend,
                      left + prepared.seconds, isolate, models,
                      time.perf_counter() - prepared.seconds, seed=seed if restarts else None,
                      answer_by=run + prepared.seconds)
        if restarts:
            res.stats["restarts"] = seed
        if not (restarts and _timed_out(res)):
            break
    return replace(res, seconds=time.perf_counter() - start)


def _sparse(reduction: Reduction) -> bool:
    return any(layer.plan.encoding == "sparse" for layer in reduction.reducer.layers)


def _exact_affordable(reduction: Reduction) -> bool:
    """Whether ``reduction`` has a sparse Venn layer and every layer's full decomposition has
    at most ``2**EXACT_ATOMS`` regions."""
    return _sparse(reduction) and all(len(layer.atoms) <= EXACT_ATOMS
                                      for layer in reduction.reducer.layers)


def _timed_out(res: CheckResult) -> bool:
    from logic.backends import is_timeout

    return res.answer is Answer.UNKNOWN and is_timeout(res.reason)


def _models(small_model: bool, refute_only: bool) -> Models:
    """What ``check``'s two options ask of a satisfiable reduction."""
    if small_model and refute_only:
        raise ValueError("small_model and refute_only exclude each other: a refutation has no "
                         "model")
    return Models.SMALL if small_model else Models.NONE if refute_only else Models.VALIDATED


def _answer(formula: Term, reduction: Reduction, reduce_seconds: float, backend: str,
            timeout: float, isolate: bool, models: Models, start: float,
            own_context: bool = False, seed: int | None = None,
            answer_by: float | None = None) -> CheckResult:
    """The answer for ``reduction`` of ``formula`` (built in ``reduce_seconds``; ``start``: when
    the attempt began, ``timeout`` counted from then). ``answer_by`` (counted from ``start`` too):
    the queries until a candidate model end by then (a timeout otherwise); what follows a model
    (a smaller one, the search again in a context of its own) still has until ``timeout``.
    ``seed``: z3's seed for the queries (see :func:`logic.backends.solve`). ``own_context``: the
    queries for a model in a z3 context of their own (see :func:`logic.backends.solve`)."""
    from logic.backends import solve
    from logic.decode import MAX_MODEL_SIZE, ModelTooLarge, QueryPlan, decode, plan_queries

    stats = dict(reduction.stats)
    stats["reduce_seconds"] = reduce_seconds

    def result(answer: Answer, model: object = None, reason: str | None = None) -> CheckResult:
        stats["seconds"] = time.perf_counter() - start
        return CheckResult(answer, backend, stats["seconds"], model,  # type: ignore[arg-type]
                           reason, reduction, stats)

    search_by = timeout if answer_by is None else min(timeout, answer_by)
    remaining = max(0.01, search_by - reduce_seconds)
    relaxed_already = False  # whether a stage was the reduction without its layers
    while reduction.reducer.pending:
        # the reduction of a stage first (fewer instances, weaker: see Reducer.run): its unsat
        # answer proves the formula; any other decides nothing, and the next stage follows
        shallow = reduction.reducer.pending_deep_values
        layerless = reduction.final_layer is None
        early = solve(reduction.smt, backend,
                      timeout=max(0.01, min(EARLY_SHARE * remaining,
                                            max(EARLY_SECONDS, reduce_seconds))),
                      isolate=isolate, seed=seed, logic=reduction.logic)
        stats["solver_seconds"] = stats.get("solver_seconds", 0.0) + early.seconds
        if layerless:
            stats["relaxation"] = early.answer.name.lower()
            relaxed_already = early.answer is not Answer.UNKNOWN
        if early.answer is Answer.UNSAT:
            stats["before_triggered_rounds"] = True
            if shallow:
                stats["before_deeper_values"] = True
            if layerless:
                stats["before_layers"] = True
            return result(Answer.UNSAT)
        resumed = time.perf_counter()
        extended = reduction.reducer.extend()
        if extended is not None:
            reduction = extended
            stats.update(reduction.stats)
        reduce_seconds += time.perf_counter() - resumed
        stats["reduce_seconds"] = reduce_seconds
        remaining = max(0.01, search_by - (time.perf_counter() - start))
        if extended is None:
            break
    layers_dominate = _layers_dominate(reduction)
    # (a search again in a context of its own follows a validated model: the relaxation, weaker
    # than the formula, has one too)
    if layers_dominate and not relaxed_already and not own_context:
        # Venn layers larger than the rest: first the reduction without them
        relaxed = solve(reduction.relaxation, backend, timeout=remaining, isolate=isolate,
                        seed=seed, logic=reduction.logic)
        stats["relaxation"] = relaxed.answer.name.lower()
        stats["solver_seconds"] = stats.get("solver_seconds", 0.0) + relaxed.seconds
        if relaxed.answer is Answer.UNSAT:
            return result(Answer.UNSAT)
        remaining = max(0.01, search_by - (time.perf_counter() - start))
    if models is Models.NONE:
        # no model wanted: one query, and a model of the reduction decides nothing
        refuted = solve(reduction.smt, backend, timeout=remaining, isolate=isolate,
                        seed=seed, logic=reduction.logic)
        stats["solver_seconds"] = stats.get("solver_seconds", 0.0) + refuted.seconds
        if refuted.answer is Answer.SAT:
            stats["incomplete"] = True  # a larger reduction may still refute the formula
            return result(Answer.UNKNOWN, reason="its reduction has a model (not read: only a "
                                                 "refutation was asked)")
        return result(refuted.answer, reason=refuted.reason)
    # model-search hint: few regions, and a model small enough to validate (see decode)
    mgr = reduction.reducer.mgr
    few = _few_regions(reduction)
    validatable = mgr.LE(reduction.reducer.n, mgr.Int(MAX_MODEL_SIZE))
    prefer = validatable if few is None else mgr.And(few, validatable)
    # what a model is read from is planned only if there is a model: most answers are unsat
    planned: list[QueryPlan] = []

    def want() -> list[FNode]:
        planned.append(plan_queries(reduction))
        return planned[-1].queries

    outcome: SolverOutcome | None = None
    support = _few_regions(reduction, SMALL_SUPPORT_REGIONS) if layers_dominate else None
    if support is not None:
        # a model with a small support (an under-approximation: its models are models of the
        # reduction; its unsat says nothing, and the full query follows)
        small = solve(mgr.And(reduction.smt, support, validatable), backend,
                      timeout=max(0.01, SMALL_SUPPORT_SHARE * remaining), want=want,
                      isolate=isolate, seed=seed, logic=reduction.logic, own_context=own_context)
        stats["small_support"] = small.answer.name.lower()
        stats["solver_seconds"] = stats.get("solver_seconds", 0.0) + small.seconds
        if small.answer is Answer.SAT:
            outcome = small
        else:
            remaining = max(0.01, search_by - (time.perf_counter() - start))
    if outcome is None:
        outcome = solve(reduction.smt, backend, timeout=remaining, want=want, isolate=isolate,
                        seed=seed, prefer=prefer, logic=reduction.logic,
                        own_context=own_context)
        stats["solver_seconds"] = stats.get("solver_seconds", 0.0) + outcome.seconds
    if outcome.answer is Answer.UNSAT:
        return result(Answer.UNSAT)
    if outcome.answer is Answer.UNKNOWN:
        return result(Answer.UNKNOWN, reason=outcome.reason or "the solver returned unknown")
    # a candidate model: prefer a small one, then decode and validate it
    values = outcome.values
    assert values is not None
    # the plan the values were read for (made again here when the solver ran in a child: the same
    # plan, as planning depends only on the reduction)
    plan = planned[0] if planned else plan_queries(reduction)
    if len(values) != len(plan.queries):
        raise AssertionError(f"{len(values)} values read for a plan of {len(plan.queries)}")
    if models is Models.SMALL and int(values[plan.index[("n",)]]) > SMALL_MODEL:
        # a bounded search, not a fallback: if there is no small model, keep the one we have
        small_n = mgr.LE(reduction.reducer.n, mgr.Int(SMALL_MODEL))
        remaining = max(0.01, min(SMALL_MODEL_SECONDS, timeout - (time.perf_counter() - start)))
        restricted = mgr.And(reduction.smt, small_n, prefer)
        small = solve(restricted, backend, timeout=remaining, want=plan.queries,
                      isolate=isolate, seed=seed, logic=reduction.logic,
                      own_context=own_context)
        if small.answer is Answer.SAT and small.values is not None:
            values = small.values
    try:
        model = decode(plan, values)
    except ModelTooLarge as e:
        stats["incomplete"] = True
        return result(Answer.UNKNOWN, reason=f"sat at instantiation depth {reduction.reducer.depth}"
                      f", but {e}; the answer is not trusted without validation")
    structure = _complete_domains(formula, model.structure)
    if structure is not model.structure:
        model = replace(model, structure=structure)
    verdict, why = validate(formula, model.structure)
    if verdict and models is Models.SMALL and backend == "z3" and not own_context:
        # the model a person reads, searched again in z3 contexts of its own: then it depends on
        # the formula alone, not on the queries this process asked before (the first search
        # shares their context, where z3's model depends on the order its terms were made)
        again = _answer(formula, reduction, reduce_seconds, backend, timeout, isolate, models,
                        start, own_context=True)
        if again.answer is Answer.SAT:
            again.stats["solver_seconds"] = (again.stats.get("solver_seconds", 0.0)
                                             + stats.get("solver_seconds", 0.0))
            return again
    if verdict:
        return result(Answer.SAT, model=model)
    stats["incomplete"] = True
    stats["candidate_n"] = model.n
    return result(Answer.UNKNOWN,
                  reason=f"the solver found a candidate model (n = {model.n}) of the reduction at "
                         f"instantiation depth {reduction.reducer.depth}, but it does not satisfy "
                         f"the formula ({why}); the instantiation is incomplete for this formula; "
                         f"try a larger depth")


def _layer_bits(reduction: Reduction) -> int:
    """How many region membership bits the sparse Venn layers of ``reduction`` have."""
    return sum(layer.plan.regions * len(layer.atoms) for layer in reduction.reducer.layers
               if layer.plan.encoding == "sparse")


def _layers_dominate(reduction: Reduction) -> bool:
    """Whether the Venn layers of ``reduction`` are large and outweigh its quantifier instances
    (see :data:`LARGE_LAYER_REGIONS`)."""
    from logic.venn import LARGE_LAYER_REGIONS

    layers = reduction.reducer.layers
    return (any(layer.plan.encoding == "sparse" and layer.plan.regions >= LARGE_LAYER_REGIONS
                for layer in layers)
            and reduction.reducer.stats.instances <= _layer_bits(reduction))


def _few_regions(reduction: Reduction, regions: int | None = None) -> FNode | None:
    """Sparse layers with many generic regions use only the first few of them: ``regions`` per
    layer, or by default one more than the layer's atoms (at least 4).

    Only ever an under-approximation (``solve``'s ``prefer``, or a query whose models are models
    of the reduction): an unsat answer is always about the full encoding.
    """
    mgr = reduction.reducer.mgr
    empty: list[FNode] = []
    for layer in reduction.reducer.layers:
        few = max(4, len(layer.atoms) + 1) if regions is None else regions
        if layer.plan.encoding == "sparse" and layer.plan.regions > few:
            empty.extend(mgr.Equals(c, mgr.Int(0)) for c in layer.counts[few:])
    return mgr.And(empty) if empty else None


def _complete_domains(formula: Term, s: Structure) -> Structure:
    sorts = {t.sort for t in subterms(formula)}
    for t in subterms(formula):
        sorts.update(v.sort for v in t.bound_vars)
    missing = {srt for srt in sorts if srt.kind is SortKind.VALUE and srt not in s.domains}
    if not missing:
        return s
    domains = dict(s.domains)
    for srt in missing:
        domains[srt] = (0,)
    return Structure(s.n, domains, s.functions, s.constants)


def validate(formula: Term, structure: Structure) -> tuple[bool, str]:
    """Evaluate ``formula`` on ``structure``: (holds, reason if not)."""
    from logic.evaluate import check_structure, holds

    try:
        check_structure(formula, structure)
        if holds(formula, structure):
            return True, ""
        return False, "it evaluates to false"
    except (LogicError, KeyError) as e:
        return False, f"it cannot be evaluated: {e}"


def entails(hypotheses: Term | Iterable[Term], goal: Term, **options: object) -> CheckResult:
    """Whether ``hypotheses |= goal``: checks ``hypotheses and not goal``.

    The result's ``verdict`` is ``VALID`` (unsat), ``INVALID`` (a validated counter-model in
    ``model``) or ``UNKNOWN`` (with ``reason``).
    """
    hyps = [hypotheses] if isinstance(hypotheses, Term) else list(hypotheses)
    return check(And(*hyps, Not(goal)), **options)  # type: ignore[arg-type]


def valid(formula: Term, **options: object) -> CheckResult:
    """Whether ``formula`` is valid: checks ``not formula``."""
    return check(Not(formula), **options)  # type: ignore[arg-type]
