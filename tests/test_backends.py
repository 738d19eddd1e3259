"""logic.backends: one interface over z3, cvc5 and yices, with enforced time limits."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from logic import backends
from logic.backends import (
    BACKENDS,
    SolverOutcome,
    available_backends,
    backend_version,
    solve,
)
from logic.compat import pysmt_env
from logic.errors import BackendError
from logic.result import Answer

ENV = pysmt_env()
MGR = ENV.formula_manager
AVAILABLE = available_backends()
ISOLATION = [pytest.param(True, id="isolated"), pytest.param(False, id="in-process")]

from pysmt.typing import BOOL, INT, FunctionType  # noqa: E402

PROC = ENV.type_manager.Type("Proc", 0)
X = MGR.Symbol("x", FunctionType(INT, [PROC]))
P = MGR.Symbol("p", FunctionType(BOOL, [PROC]))
A, B, C = (MGR.Symbol(name, PROC) for name in "abc")


def x(t: Any) -> Any:
    return MGR.Function(X, [t])


def p(t: Any) -> Any:
    return MGR.Function(P, [t])


def pigeonhole(holes: int) -> Any:
    """``holes + 1`` distinct processes mapped injectively into ``0 .. holes - 1``: unsat, and
    beyond a few holes exponentially hard for every backend (n = 10 takes minutes)."""
    procs = [MGR.Symbol(f"pigeon{i}", PROC) for i in range(holes + 1)]
    facts = [MGR.And(MGR.LE(MGR.Int(0), x(q)), MGR.LT(x(q), MGR.Int(holes))) for q in procs]
    facts += [MGR.Not(MGR.Equals(x(q), x(r))) for i, q in enumerate(procs) for r in procs[i + 1:]]
    return MGR.And(facts)


@dataclass(frozen=True)
class Query:
    formula: Any
    answer: Answer
    want: tuple[Any, ...] = ()
    check: Callable[[tuple[int | bool, ...]], bool] = lambda values: True


QUERIES = {
    "uf-sat": Query(
        MGR.And(MGR.GT(x(A), MGR.Int(3)), MGR.Not(MGR.Equals(A, B)), MGR.Equals(x(B), MGR.Int(0))),
        Answer.SAT, (x(A), MGR.Equals(A, B), x(B)),
        lambda v: v[0] > 3 and v[1] is False and v[2] == 0),
    "uf-unsat": Query(
        MGR.And(MGR.GT(x(A), MGR.Int(3)), MGR.Equals(A, B), MGR.Equals(x(B), MGR.Int(0))),
        Answer.UNSAT),
    "bool-function-sat": Query(
        MGR.And(p(A), MGR.Not(p(B)), MGR.Or(MGR.Equals(C, A), MGR.Equals(C, B))),
        Answer.SAT, (MGR.Equals(A, B), p(C), MGR.Equals(C, A)),
        lambda v: v[0] is False and v[1] == v[2]),
    "lia-sat": Query(
        MGR.And(MGR.Equals(MGR.Plus(MGR.Times(MGR.Int(2), x(A)), MGR.Times(MGR.Int(3), x(B))),
                           MGR.Int(13)),
                MGR.GE(x(A), MGR.Int(1)), MGR.GE(x(B), MGR.Int(1))),
        Answer.SAT, (x(A), x(B)),
        lambda v: 2 * int(v[0]) + 3 * int(v[1]) == 13 and v[0] >= 1 and v[1] >= 1),
    "lia-unsat-parity": Query(
        MGR.Equals(MGR.Times(MGR.Int(2), x(A)), MGR.Plus(MGR.Times(MGR.Int(2), x(B)), MGR.Int(1))),
        Answer.UNSAT),
    "small-pigeonhole-unsat": Query(pigeonhole(3), Answer.UNSAT),
}


def require(backend: str) -> None:
    if backend not in AVAILABLE:
        pytest.skip(f"{backend} not available")


@pytest.mark.parametrize("isolate", ISOLATION)
@pytest.mark.parametrize("name", sorted(QUERIES))
@pytest.mark.parametrize("backend", BACKENDS)
def test_small_queries(backend: str, name: str, isolate: bool) -> None:
    require(backend)
    query = QUERIES[name]
    outcome = solve(query.formula, backend, timeout=10.0, want=query.want, isolate=isolate)
    assert outcome.answer is query.answer, outcome.reason
    assert outcome.backend == backend and outcome.reason is None
    if query.answer is Answer.SAT:
        assert outcome.values is not None and len(outcome.values) == len(query.want)
        assert all(type(v) is (bool if ENV.stc.get_type(t).is_bool_type() else int)
                   for v, t in zip(outcome.values, query.want, strict=True))
        assert query.check(outcome.values), outcome.values
    else:
        assert outcome.values is None
    assert 0 < outcome.seconds < 10


@pytest.mark.parametrize("name", sorted(QUERIES))
@pytest.mark.parametrize("backend", BACKENDS)
def test_declared_logic_and_a_hint_give_the_same_answers(backend: str, name: str) -> None:
    """The fast path of ``check``: the logic declared rather than detected, a ``prefer`` hint
    checked first (z3 then reuses the hint query's translation for the second solver), and z3's
    values read straight from its model. Same answers, values that satisfy the same checks."""
    require(backend)
    query = QUERIES[name]
    hint = MGR.Equals(x(A), MGR.Int(5))  # satisfiable with some queries, not with others
    for prefer in (None, hint):
        outcome = solve(query.formula, backend, timeout=10.0, want=query.want, isolate=False,
                        prefer=prefer, logic="QF_UFLIA")
        assert outcome.answer is query.answer, outcome.reason
        if query.answer is Answer.SAT:
            assert outcome.values is not None and query.check(outcome.values), outcome.values
            assert all(type(v) is (bool if ENV.stc.get_type(t).is_bool_type() else int)
                       for v, t in zip(outcome.values, query.want, strict=True))
    with pytest.raises(ValueError, match="QF_UFLIA"):
        solve(query.formula, backend, logic="QF_NRA")


@pytest.mark.parametrize("name", ["lia-sat", "uf-unsat", "lia-unsat-parity"])
def test_a_hint_costs_a_second_query_only_when_the_formula_is_sat(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``prefer`` is checked after ``formula``, and only if ``formula`` is satisfiable: an unsat
    query (most of them) is solved once. A satisfiable one answers with the hint's model."""
    import logic.backends as backends

    calls: list[Any] = []
    real = backends._query_once

    def counted(env: Any, formula: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(formula)
        return real(env, formula, *args, **kwargs)

    monkeypatch.setattr(backends, "_query_once", counted)
    query = QUERIES[name]
    hint = MGR.Equals(x(A), MGR.Int(5))  # 2*5 + 3*1 = 13: a model of lia-sat
    outcome = solve(query.formula, "z3", timeout=10.0, want=(x(A), x(B)), isolate=False,
                    prefer=hint, logic="QF_UFLIA")
    assert outcome.answer is query.answer
    assert calls[0] is query.formula  # the formula itself first
    if query.answer is Answer.SAT:
        assert len(calls) == 2 and outcome.values == (5, 1)
    else:
        assert len(calls) == 1


@pytest.mark.parametrize("isolate", ISOLATION)
@pytest.mark.parametrize("name", ["uf-sat", "lia-sat", "uf-unsat"])
def test_want_function_is_called_only_on_sat(name: str, isolate: bool) -> None:
    query = QUERIES[name]
    calls: list[int] = []

    def want() -> tuple[Any, ...]:
        calls.append(1)
        return query.want

    outcome = solve(query.formula, "z3", want=want, isolate=isolate, logic="QF_UFLIA")
    assert outcome.answer is query.answer
    if query.answer is Answer.SAT:
        assert outcome.values is not None and query.check(outcome.values)
        assert calls == ([] if isolate else [1])  # isolated: called in the child
    else:
        assert calls == [] and outcome.values is None
    with pytest.raises(ValueError, match="declared logic"):
        solve(query.formula, "z3", want=want)


def test_backends_agree_and_the_stack_is_complete() -> None:
    assert AVAILABLE == tuple(b for b in BACKENDS if b in AVAILABLE)
    assert "z3" in AVAILABLE and "cvc5" in AVAILABLE
    for query in QUERIES.values():
        answers = {solve(query.formula, b, want=query.want, isolate=False).answer
                   for b in AVAILABLE}
        assert answers == {query.answer}


@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_version_comes_from_the_solver(backend: str) -> None:
    require(backend)
    version = backend_version(backend)
    name, _, number = version.partition(" ")
    assert name == backend and number[:1].isdigit()


def test_unknown_or_unavailable_backend_is_a_backend_error() -> None:
    with pytest.raises(BackendError) as error:
        solve(QUERIES["uf-sat"].formula, "mathsat")
    assert "mathsat" in str(error.value)
    assert all(name in str(error.value) for name in AVAILABLE)
    with pytest.raises(BackendError):
        backend_version("boolector")


def test_bad_arguments_are_rejected_before_solving() -> None:
    formula = QUERIES["uf-sat"].formula
    with pytest.raises(ValueError):
        solve(formula, "z3", timeout=0)
    with pytest.raises(ValueError):
        solve(formula, "z3", timeout=float("inf"))
    with pytest.raises(TypeError):
        solve(x(A), "z3")  # not a formula
    with pytest.raises(TypeError):
        solve(formula, "z3", want=[A])  # an uninterpreted-sort value cannot be read


@pytest.mark.parametrize("isolate", ISOLATION)
@pytest.mark.parametrize("backend", BACKENDS)
def test_hard_query_times_out(backend: str, isolate: bool) -> None:
    require(backend)
    outcome = solve(pigeonhole(10), backend, timeout=0.05, isolate=isolate)
    assert outcome.answer is Answer.UNKNOWN and outcome.values is None
    assert outcome.reason == "timeout after 0.05 s"
    assert outcome.seconds < 0.05 + backends._grace(0.05) + 3.0  # not minutes: enforced


def test_timeout_is_enforced_even_if_the_solver_ignores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "_child_hook", lambda: time.sleep(30))
    start = time.perf_counter()
    outcome = solve(QUERIES["uf-sat"].formula, "z3", timeout=0.1)
    elapsed = time.perf_counter() - start
    assert outcome.answer is Answer.UNKNOWN and outcome.reason == "timeout after 0.1 s"
    assert 0.1 <= elapsed < 0.1 + backends._grace(0.1) + 3.0  # the child sleeps 30 s


@pytest.mark.parametrize("backend", BACKENDS)
def test_crashing_child_is_unknown_crashed(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    require(backend)
    monkeypatch.setattr(backends, "_child_hook", lambda: os.kill(os.getpid(), signal.SIGKILL))
    outcome = solve(QUERIES["uf-sat"].formula, backend, timeout=5.0)
    assert outcome.answer is Answer.UNKNOWN
    assert outcome.reason == "solver crashed (signal 9: SIGKILL)"
    assert outcome.seconds < 1.0  # noticed at once, not at the deadline


def test_child_exiting_or_raising_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    formula = QUERIES["uf-sat"].formula
    monkeypatch.setattr(backends, "_child_hook", lambda: os._exit(3))
    assert solve(formula, "z3").reason == "solver crashed (exit status 3)"

    def boom() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(backends, "_child_hook", boom)
    outcome = solve(formula, "z3")
    assert outcome.answer is Answer.UNKNOWN
    assert outcome.reason == "solver process failed: RuntimeError: boom"


@pytest.mark.parametrize("isolate", ISOLATION)
def test_z3_unknown_reason_is_reported(isolate: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # one model-based quantifier instantiation round: z3 gives up at once, saying why
    native = backends._native_options

    def options(backend: str, timeout: float, logic: Any) -> dict[str, Any]:
        return {**native(backend, timeout, logic), "smt.mbqi.max_iterations": 1}

    monkeypatch.setattr(backends, "_native_options", options)
    f = MGR.Symbol("descent_f", FunctionType(INT, [INT]))
    v = MGR.Symbol("descent_v", INT)
    descent = MGR.ForAll([v], MGR.GT(MGR.Function(f, [v]),
                                     MGR.Function(f, [MGR.Plus(v, MGR.Int(1))])))
    outcome = solve(descent, "z3", timeout=5.0, isolate=isolate)
    assert outcome.answer is Answer.UNKNOWN
    assert outcome.reason is not None and outcome.reason.startswith("z3 returned unknown: ")
    assert "incomplete quantifiers" in outcome.reason


def test_cvc5_unknown_reason_and_yices_refusing_quantifiers() -> None:
    f = MGR.Symbol("descent_f", FunctionType(INT, [INT]))
    v = MGR.Symbol("descent_v", INT)
    descent = MGR.ForAll([v], MGR.GT(MGR.Function(f, [v]),
                                     MGR.Function(f, [MGR.Plus(v, MGR.Int(1))])))
    outcome = solve(descent, "cvc5", timeout=5.0)
    assert outcome.answer is Answer.UNKNOWN
    assert outcome.reason == "cvc5 returned unknown: incomplete"
    if "yices" in AVAILABLE:
        outcome = solve(descent, "yices", timeout=5.0)
        assert outcome.answer is Answer.UNKNOWN
        assert outcome.reason == ("yices does not support this formula: "
                                  "Solver 'yices' does not support logic UFLIA")


def test_cvc5_finds_finite_models_of_quantified_uf() -> None:
    everyone_positive = MGR.ForAll([A], MGR.GT(x(A), MGR.Int(0)))
    outcome = solve(MGR.And(everyone_positive, MGR.LT(x(B), MGR.Int(2))), "cvc5", want=[x(B)])
    assert outcome.answer is Answer.SAT and outcome.values == (1,)


def test_solver_outcome_invariants() -> None:
    SolverOutcome(Answer.SAT, (), None, "z3", 0.1)
    SolverOutcome(Answer.UNSAT, None, None, "z3", 0.1)
    SolverOutcome(Answer.UNKNOWN, None, "timeout after 1 s", "z3", 0.1)
    for bad in [(Answer.SAT, None, None), (Answer.UNSAT, (), None), (Answer.UNKNOWN, None, None),
                (Answer.UNKNOWN, None, ""), (Answer.UNSAT, None, "why")]:
        with pytest.raises(ValueError):
            SolverOutcome(*bad, "z3", 0.1)


def test_isolated_solves_from_several_threads() -> None:
    queries = list(QUERIES.values()) * 2
    results: list[tuple[Query, SolverOutcome]] = []
    lock = threading.Lock()

    def work(query: Query, backend: str) -> None:
        outcome = solve(query.formula, backend, want=query.want)
        with lock:
            results.append((query, outcome))

    threads = [threading.Thread(target=work, args=(q, AVAILABLE[i % len(AVAILABLE)]))
               for i, q in enumerate(queries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == len(queries)
    for query, outcome in results:
        assert outcome.answer is query.answer, outcome.reason


def test_children_are_reaped() -> None:
    for _ in range(3):
        solve(QUERIES["uf-sat"].formula, "z3")
    deadline = time.perf_counter() + 2.0
    while backends._unreaped and time.perf_counter() < deadline:
        time.sleep(0.01)
        backends._reap_finished()
    assert backends._unreaped == []


def test_a_model_in_a_context_of_its_own_does_not_depend_on_the_queries_asked_before() -> None:
    """With ``own_context``, z3's model depends on the query alone: the same values whether the
    query's terms are new to the process or were made before, in another order, by other queries
    (in the shared context, z3's model depends on the order in which its terms were made: the
    counterexamples of the CLI's golden tests changed with the tests run before them). Two copies
    of one query over fresh symbols, the second one's terms made first in reverse order: the same
    model."""
    def query(tag: str) -> tuple[Any, list[Any], Any]:
        f = MGR.Symbol(f"val_{tag}", FunctionType(INT, [PROC]))
        values = [MGR.Function(f, [MGR.Symbol(f"{tag}{i}", PROC)]) for i in range(6)]
        bounds = [MGR.And(MGR.LE(MGR.Int(0), v), MGR.LE(v, MGR.Int(50))) for v in values]
        formula = MGR.And(*bounds, MGR.Equals(MGR.Plus(values), MGR.Int(100)),
                          *(MGR.Not(MGR.Equals(a, b)) for i, a in enumerate(values)
                            for b in values[i + 1:]))
        return formula, values, MGR.LE(values[0], MGR.Int(40))

    def model(tag: str) -> tuple[int | bool, ...] | None:
        formula, values, hint = query(tag)
        out = solve(formula, "z3", want=values, prefer=hint, isolate=False, logic="QF_UFLIA",
                    own_context=True)
        assert out.answer is Answer.SAT
        return out.values

    first = model("fresh")
    _, values, _ = query("used")
    for k, v in enumerate(values[::-1]):  # the second copy's terms, made first, reversed
        solve(MGR.And(MGR.LT(MGR.Int(k), v), MGR.LT(v, MGR.Int(90 - k))), "z3", isolate=False,
              logic="QF_UFLIA")
    assert model("used") == first
