"""The decision procedure's interface: verdicts, exact thresholds, inspectability, solver faults."""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logic import (
    PROC,
    SET_PROC,
    Add,
    And,
    Answer,
    App,
    Card,
    Comprehension,
    Eq,
    Exists,
    FloorDiv,
    Forall,
    FunctionSymbol,
    Ge,
    Gt,
    IntConst,
    Le,
    Member,
    N,
    Not,
    Union_,
    Var,
    Verdict,
    available_backends,
    check,
    entails,
    value_sort,
)
from logic.decide import MAX_RESTARTS, Attempt, validate
from logic.reduce import reduce_formula
from logic.sorts import BOOL
from logic.terms import Inter, Term

VAL = value_sort("Val")
X = FunctionSymbol("x", (PROC,), VAL)
I = Var("i", PROC)
V, W = Var("v", VAL), Var("w", VAL)
S = Var("S", SET_PROC)


def holders(v: object) -> object:
    return Comprehension(I, Eq(App(X, I), v))


THRESHOLDS = {
    "> 2n/3": (lambda c: Gt(c, (2 * N) / 3), lambda c, n: c > Fraction(2 * n, 3)),
    ">= 2n/3": (lambda c: Ge(c, (2 * N) / 3), lambda c, n: c >= Fraction(2 * n, 3)),
    "> 2*n//3": (lambda c: Gt(c, FloorDiv(2 * N, 3)), lambda c, n: c > (2 * n) // 3),
    ">= 2*n//3": (lambda c: Ge(c, FloorDiv(2 * N, 3)), lambda c, n: c >= (2 * n) // 3),
}


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
@pytest.mark.parametrize("n", [3, 4, 5])
def test_thresholds_are_exactly_the_arithmetic(name: str, n: int) -> None:
    """For every n and every size c of a set, the threshold holds iff arithmetic says so."""
    logic_form, arithmetic = THRESHOLDS[name]
    for c in range(n + 1):
        f = And(Eq(N, IntConst(n)), Eq(Card(S), IntConst(c)), logic_form(Card(S)))
        result = check(f, backend="yices" if "yices" in available_backends() else "z3")
        assert result.answer is (Answer.SAT if arithmetic(c, n) else Answer.UNSAT), (name, n, c)


def test_exact_and_floor_thresholds_differ_where_arithmetic_says() -> None:
    # |S| >= 2n/3 and |S| >= 2n//3 differ at n = 4, c = 2 (2 >= 8/3 is false, 2 >= 2 is true)
    f = And(Eq(N, IntConst(4)), Eq(Card(S), IntConst(2)))
    assert check(And(f, Ge(Card(S), (2 * N) / 3))).answer is Answer.UNSAT
    assert check(And(f, Ge(Card(S), FloorDiv(2 * N, 3)))).answer is Answer.SAT


def test_entails_gives_verdicts_and_validated_counter_models() -> None:
    two_majorities = And(Gt(Card(holders(V)), N / 2), Gt(Card(holders(W)), N / 2))
    assert entails(two_majorities, Eq(V, W)).verdict is Verdict.VALID
    weak = And(Ge(Card(holders(V)), N / 2), Ge(Card(holders(W)), N / 2))
    result = entails(weak, Eq(V, W))
    assert result.verdict is Verdict.INVALID
    assert result.model is not None and result.model.n % 2 == 0
    text = result.model.describe()
    assert text.startswith(f"n = {result.model.n}") and "x(0) = " in text


def test_the_reduction_is_inspectable() -> None:
    f = And(Gt(Card(holders(V)), N / 2), Gt(Card(holders(W)), N / 2), Not(Eq(V, W)))
    reduction = reduce_formula(f)
    summary = reduction.describe()
    assert "instances" in summary and "layer 0" in summary and "regions" in summary
    log = reduction.instance_log()
    assert log.count("\n") + 1 == len(reduction.instances) > 0
    assert "q!" in log or ":=" in log
    script = reduction.smtlib()
    assert "(check-sat)" in script and "declare-fun" in script


@pytest.mark.parametrize("backend", available_backends())
def test_a_timeout_is_unknown_never_a_verdict(backend: str) -> None:
    sets = [Var(f"S{i}", SET_PROC) for i in range(1, 21)]
    union = sets[0]
    for s in sets[1:]:
        union = Union_(union, s)
    hard = And(*[Eq(Card(s), IntConst(1)) for s in sets],
               Eq(Add(*[Card(s) for s in sets]), N), Eq(Card(union), N))
    result = check(hard, backend=backend, timeout=0.3)
    assert result.answer is Answer.UNKNOWN
    assert result.reason is not None and "timeout" in result.reason
    assert result.model is None and result.verdict is Verdict.UNKNOWN


def test_unknown_backend_is_an_error() -> None:
    from logic import BackendError

    with pytest.raises(BackendError):
        check(Eq(N, IntConst(1)), backend="no-such-solver")


def test_attempts_and_an_instance_bound_can_be_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """``attempts`` replaces the sequence of reductions, and ``max_instances`` bounds each one:
    a reduction over the bound is not tried (unknown, with that reason), never an answer."""
    from logic.decide import Attempt

    j = Var("j", PROC)
    two_majorities = And(Gt(Card(holders(V)), N / 2), Gt(Card(holders(W)), N / 2),
                         Forall(I, Forall(j, Eq(App(X, I), App(X, j)))), Not(Eq(V, W)))
    one = (Attempt(0, anchored=True),)
    assert check(two_majorities, attempts=one).answer is Answer.UNSAT
    bounded = check(two_majorities, attempts=one, max_instances=1)
    assert bounded.answer is Answer.UNKNOWN
    assert bounded.reason is not None and "more than 1 quantifier instances" in bounded.reason
    assert bounded.stats.get("attempts") is None  # one attempt: its own reason, nothing else
    # the same instantiation overflows the same way whatever the layers: not tried again (the
    # overflow came before any layer); another instantiation (no triggers) still is
    import logic.decide as decide

    reductions: list[bool] = []
    real = decide._attempt

    def counting(*args: object, **kw: object) -> object:
        reductions.append(True)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(decide, "_attempt", counting)
    three = (Attempt(0, anchored=True), Attempt(0), Attempt(0, triggers=False))
    again = check(two_majorities, attempts=three, max_instances=1)
    assert again.answer is Answer.UNKNOWN and len(reductions) == 2
    assert again.reason is not None and "depth 0, triggers: not tried (the same instances" in (
        again.reason)


@pytest.mark.parametrize("backend", available_backends())
def test_a_prepared_reduction_is_decided_as_check_decides_its_attempt(backend: str) -> None:
    """``prepare`` builds an attempt's reduction (within an instance bound) and
    ``decide_prepared`` answers it later: the same verdicts as ``check`` with that attempt, a
    sat answer with a validated model, and the attempt's label in the stats."""
    from logic.decide import Attempt, decide_prepared, prepare
    from logic.errors import TooManyInstances

    j = Var("j", PROC)
    attempt = Attempt(0, anchored=True)
    unsat = And(Gt(Card(holders(V)), N / 2), Gt(Card(holders(W)), N / 2),
                Forall(I, Forall(j, Eq(App(X, I), App(X, j)))), Not(Eq(V, W)))
    sat = And(Ge(Card(holders(V)), N / 2), Ge(Card(holders(W)), N / 2), Not(Eq(V, W)))
    for formula, answer in ((unsat, Answer.UNSAT), (sat, Answer.SAT)):
        prepared = prepare(formula, attempt)
        assert prepared.instances == len(prepared.reduction.instances) and prepared.seconds >= 0
        res = decide_prepared(prepared, backend=backend, timeout=20)
        assert res.answer is answer is check(formula, backend=backend, attempts=(attempt,)).answer
        assert res.stats["attempt"] == attempt.label and res.reduction is prepared.reduction
        if answer is Answer.SAT:
            assert res.model is not None and validate(formula, res.model.structure)[0]
    with pytest.raises(TooManyInstances, match="more than 1 quantifier instances"):
        prepare(unsat, attempt, max_instances=1)
    with pytest.raises(ValueError, match="timeout"):
        decide_prepared(prepare(sat, attempt), timeout=0)


@pytest.mark.parametrize("backend", available_backends())
def test_a_refutation_only_check_never_reads_a_model(backend: str) -> None:
    """``refute_only``: unsat is still unsat; a satisfiable formula is an unknown answer whose
    reason says its reduction has a model, with no model (nothing read, decoded or validated),
    and the next attempt is still tried (a larger reduction may refute what a smaller one
    does not)."""
    from logic.decide import Attempt

    j = Var("j", PROC)
    unsat = And(Gt(Card(holders(V)), N / 2), Gt(Card(holders(W)), N / 2),
                Forall(I, Forall(j, Eq(App(X, I), App(X, j)))), Not(Eq(V, W)))
    sat = And(Ge(Card(holders(V)), N / 2), Ge(Card(holders(W)), N / 2), Not(Eq(V, W)))
    assert check(unsat, backend=backend, refute_only=True).answer is Answer.UNSAT
    two = (Attempt(0, anchored=True), Attempt(0))
    res = check(sat, backend=backend, refute_only=True, attempts=two)
    assert res.answer is Answer.UNKNOWN and res.model is None
    assert res.reason is not None and res.reason.count("its reduction has a model") == 3
    assert "candidate model" not in res.reason
    with pytest.raises(ValueError, match="exclude each other"):
        check(sat, small_model=True, refute_only=True)


def test_an_unknown_answer_says_what_every_attempt_came_to(monkeypatch: pytest.MonkeyPatch) -> None:
    """When iterative deepening ends in unknown, the reason lists each attempt's outcome (a
    candidate model that failed validation, a reduction too large, ...), not only one."""
    import logic.decide as decide
    from logic.errors import UnsupportedError
    from logic.result import CheckResult

    calls: list[int] = []

    def fake(formula, backend, encoding, d, timeout, isolate, small_model, trig, wit=True,
             anchored=False, member_triggers=False, max_instances=0) -> CheckResult:
        calls.append(d)
        if d == 0:
            return CheckResult(Answer.UNKNOWN, backend, 0.0, None, "candidate fails",
                               stats={"incomplete": True, "candidate_n": 5})
        raise UnsupportedError(f"too many sets at depth {d}")

    monkeypatch.setattr(decide, "_attempt", fake)
    res = decide.check(Gt(N, IntConst(0)), timeout=5)
    assert res.answer is Answer.UNKNOWN and calls == [a.depth for a in decide.ATTEMPTS]
    assert res.reason is not None and res.reason.startswith("candidate fails [attempts: ")
    assert "depth 0, triggers: a candidate model that does not satisfy the formula (n = 5)" \
        in res.reason
    assert "depth 2, triggers, no witness terms: too many sets at depth 2" in res.reason
    assert res.stats["attempts"][-1] == "depth 1: too many sets at depth 1"


P = Var("p", PROC)


@pytest.mark.parametrize("backend", available_backends())
def test_an_anchored_layer_protects_a_region_per_anchor(backend: str) -> None:
    """Anchors (named processes not counted one by one) are non-emptiness tests: the sparse bound
    grows by one region each. With too few regions, ``p in S and some i is not in S`` was unsat
    (found by the property test of soundness)."""
    from logic.decide import _attempt

    f = And(Member(P, S), Exists(I, Not(Member(I, S))))
    red = reduce_formula(f, depth=0, anchored=True)
    assert red.reducer.layers[-1].plan.regions >= 2
    for anchored in (True, False):
        res = _attempt(f, backend, "auto", 0, 10.0, True, False, True, True, anchored)
        assert res.answer is not Answer.UNSAT
    assert check(f, backend=backend).answer is Answer.SAT


def test_a_model_of_an_anchored_attempt_is_reported_by_the_named_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An anchored attempt's sat answer is not returned when the next attempt (named processes
    counted) decides; if nothing after it decides, the anchored model is reported, not unknown."""
    import logic.decide as decide
    from logic.result import CheckResult

    f = And(Member(P, S), Eq(N, IntConst(1)))  # an anchor, p, and a model that decodes
    real = decide._attempt
    seen: list[bool] = []

    def spy(*args: object, **kw: object) -> CheckResult:
        anchored = bool(args[9]) if len(args) > 9 else False
        seen.append(anchored)
        res = real(*args, **kw)  # type: ignore[arg-type]
        if not anchored:
            return CheckResult(Answer.UNKNOWN, "z3", 0.0, None, "the solver gave up")
        return res

    monkeypatch.setattr(decide, "_attempt", spy)
    res = decide.check(f, timeout=10)
    assert seen[0] is True and False in seen
    assert res.answer is Answer.SAT and res.model is not None


def test_without_anchors_an_anchored_model_is_returned_at_once() -> None:
    """Without process terms the anchored reduction is the named one: its model is returned,
    not solved for a second time."""
    import logic.decide as decide

    res = decide.check(And(Eq(Card(S), IntConst(2)), Eq(N, IntConst(3))), timeout=10)
    assert res.answer is Answer.SAT and res.stats["attempt"] == decide.ATTEMPTS[0].label


def test_a_process_disequality_is_resolved_away() -> None:
    """``forall p. p != c or phi(p)`` becomes ``phi(c)`` (an equivalence): a coordinator's
    mailbox clause needs no instance per process."""
    from logic import Forall, Or
    from logic.normalize import prepare

    c = Var("c", PROC)
    ho = FunctionSymbol("HO", (PROC,), SET_PROC)
    clause = Forall(P, Or(Not(Eq(P, c)), Member(c, App(ho, P))))
    (only,) = prepare(clause)
    assert only.is_ground and str(only.matrix) == "c in HO(c)"
    # a disequality between two variables resolves one of them; others stay
    q = Var("q", PROC)
    (two,) = prepare(Forall((P, q), Or(Not(Eq(P, q)), Member(P, App(ho, q)), Member(q, S))))
    assert len(two.vars) == 1
    assert check(And(Forall(P, Or(Not(Eq(P, c)), Not(Member(c, S)))), Member(c, S))).answer \
        is Answer.UNSAT


def test_a_variable_only_in_guards_becomes_an_emptiness_test() -> None:
    """``forall p, q. q notin HO(p) or w(p) in HO(p)`` is ``forall p. |HO(p)| = 0 or w(p) in
    HO(p)`` (an equivalence): one instance per process rather than one per pair."""
    from logic import Forall, Or
    from logic.normalize import prepare

    ho = FunctionSymbol("HO", (PROC,), SET_PROC)
    w = FunctionSymbol("w", (PROC,), PROC)
    q = Var("q", PROC)
    (only,) = prepare(Forall((P, q), Or(Not(Member(q, App(ho, P))),
                                        Member(App(w, P), App(ho, P)))))
    (p,) = only.vars  # renamed apart
    assert str(only.matrix) == f"|HO({p})| = 0 or w({p}) in HO({p})"
    # two guards on one variable stand for the intersection
    (both,) = prepare(Forall(q, Or(Not(Member(q, S)), Not(Member(q, App(ho, P))),
                                   Eq(App(X, P), V))))
    assert both.is_ground and str(both.matrix) == "|S inter HO(p)| = 0 or x(p) = v"
    # a variable used elsewhere too is kept
    (kept,) = prepare(Forall(q, Or(Not(Member(q, S)), Eq(App(X, q), V))))
    assert len(kept.vars) == 1


def test_deeper_terms_reach_single_variable_clauses_after_the_final_round() -> None:
    """A chain of Skolem witnesses two deep (``y(c) = z(w(c))``, ``z(w(c)) = u(j(w(c)))``) meets
    the goal's clause in the triggered rounds after the final one, at depth 0."""
    from logic import Forall
    from logic.reduce import TRIGGERED_ROUNDS

    assert TRIGGERED_ROUNDS >= 1
    y, z, u = (FunctionSymbol(nm, (PROC,), VAL) for nm in ("y", "z", "u"))
    c, j = Var("c", PROC), Var("j", PROC)
    k = Var("k", PROC)
    # every y is some z, every z is some u; y(c) is no u
    f = And(Forall(P, Exists(k, Eq(App(y, P), App(z, k)))),
            Forall(P, Exists(j, Eq(App(z, P), App(u, j)))),
            Forall(I, Not(Eq(App(y, c), App(u, I)))))
    assert check(f, depth=0, triggers=True).answer is Answer.UNSAT
    red = reduce_formula(f, depth=0, triggers=True)
    assert any(i.generation > 1 for i in red.instances)


def _witness_chain() -> tuple[Term, Term]:
    """The chain of :func:`test_deeper_terms_reach_single_variable_clauses_after_the_final_round`
    (unsat only with the triggered rounds), and the same with a contradiction of its own at the
    input's terms (unsat without them)."""
    from logic import Forall

    y, z, u = (FunctionSymbol(nm, (PROC,), VAL) for nm in ("y", "z", "u"))
    c, j, k = Var("c", PROC), Var("j", PROC), Var("k", PROC)
    chain = And(Forall(P, Exists(k, Eq(App(y, P), App(z, k)))),
                Forall(P, Exists(j, Eq(App(z, P), App(u, j)))),
                Forall(I, Not(Eq(App(y, c), App(u, I)))))
    return chain, And(chain, Eq(App(X, c), V), Not(Eq(App(X, c), V)))


def test_a_staged_reduction_stops_before_the_triggered_rounds_and_extends_to_the_whole() -> None:
    """``staged=True`` leaves the triggered rounds to ``extend``: fewer instances first, then
    exactly the instances of the reduction made at once (the same log, in the same order)."""
    chain, _ = _witness_chain()
    whole = reduce_formula(chain, depth=0, triggers=True)
    staged = reduce_formula(chain, depth=0, triggers=True, staged=True)
    assert whole.reducer.pending_rounds == 0
    assert staged.reducer.pending_rounds > 0
    before = staged.instance_log()
    assert 0 < len(staged.instances) < len(whole.instances)
    extended = staged.reducer.extend()
    assert extended is not None and extended.reducer.pending_rounds == 0
    assert extended.instance_log() == whole.instance_log()
    assert whole.instance_log().startswith(before)
    assert staged.reducer.extend() is None  # nothing left to add
    # without triggers there are no triggered rounds: nothing is left for later
    assert reduce_formula(chain, depth=0, staged=True).reducer.pending_rounds == 0


def test_check_asks_the_reduction_before_its_triggered_rounds_first() -> None:
    """An unsat answer before the triggered rounds proves the formula with fewer instances (and
    says so); any other answer leads to the triggered rounds, whose answer is the verdict."""
    chain, contradictory = _witness_chain()
    whole = len(reduce_formula(contradictory, depth=0, triggers=True).instances)
    early = check(contradictory, depth=0, triggers=True)
    assert early.answer is Answer.UNSAT
    assert early.stats["before_triggered_rounds"] is True
    assert early.stats["instances"] < whole
    assert early.reduction is not None and len(early.reduction.instances) < whole
    # the chain needs the triggered rounds: sat before them, proved after
    late = check(chain, depth=0, triggers=True)
    assert late.answer is Answer.UNSAT
    assert "before_triggered_rounds" not in late.stats
    assert late.stats["instances"] == len(reduce_formula(chain, depth=0, triggers=True).instances)
    # a satisfiable formula (the chain without its goal) is sat, with a validated model
    assert check(chain.args[0] & chain.args[1], depth=0, triggers=True).answer is Answer.SAT


def test_a_prepared_staged_reduction_is_extended_within_the_time_given_when_it_is_asked(
        ) -> None:
    """A reduction prepared long before it is asked still gets its triggered rounds: its
    deadline is the one ``decide_prepared`` gives, not the one left when it was prepared."""
    from logic.decide import Attempt, decide_prepared, prepare

    chain, _ = _witness_chain()
    prepared = prepare(chain, Attempt(0), timeout=0.5)
    assert prepared.reduction.reducer.pending_rounds > 0
    prepared.reduction.reducer.deadline = time.perf_counter() - 1.0  # as if long ago
    asked = time.perf_counter()
    res = decide_prepared(prepared, timeout=20)
    assert res.answer is Answer.UNSAT and "before_triggered_rounds" not in res.stats
    # the triggered rounds were built under the deadline given when it was asked
    deadline = prepared.reduction.reducer.deadline
    assert deadline is not None and asked + 20 <= deadline <= time.perf_counter() + 20


def test_a_value_every_process_holds_instantiates_value_classes() -> None:
    """``forall i. x(i) = c`` fills the class ``{i | x(i) = c}``: ``c`` is tried for a value that
    is compared inside a comprehension (``|{i | x(i) = v}| > n/2 -> p(v)``), although no set
    atom names it (otherwise only the values of the set atoms are: here ``d``)."""
    from logic import Forall, Implies

    pv = FunctionSymbol("p", (VAL,), BOOL)
    c, d = Var("c", VAL), Var("d", VAL)
    f = And(Forall(I, Eq(App(X, I), c)), Ge(Card(holders(d)), IntConst(0)),
            Forall(V, Implies(Gt(Card(holders(V)), N / 2), App(pv, V))), Not(App(pv, c)))
    assert check(f, depth=0, triggers=True).answer is Answer.UNSAT
    red = reduce_formula(f, depth=0, triggers=True)
    assert c in red.reducer.class_values
    assert any(t == c for i in red.instances if i.origin == "input"
               for v, t in i.substitution if v.sort == VAL)


def test_a_possibly_corrupted_message_splits_its_comprehension_into_shared_sets() -> None:
    """``{q in HO(p) | (if q in AHO(p) then c(p, q) else x(q)) = v}`` (a count in a mailbox under
    value faults) is ``HO(p) ∩ ((AHO(p) ∩ {q | c(p, q) = v}) ∪ ({q | x(q) = v} \\ AHO(p)))``:
    the value class ``{q | x(q) = v}`` is one set atom shared by every receiver (it was one
    comprehension per receiver), and two receivers with the same heard-of set and no corrupted
    message count the same."""
    from logic import Ite

    ho = FunctionSymbol("HO", (PROC,), SET_PROC)
    aho = FunctionSymbol("AHO", (PROC,), SET_PROC)
    bad = FunctionSymbol("c", (PROC, PROC), VAL)
    p, j, q = Var("p", PROC), Var("j", PROC), Var("q", PROC)

    def count(r: object) -> object:
        msg = Ite(Member(q, App(aho, r)), App(bad, r, q), App(X, q))
        return Card(Comprehension(q, And(Member(q, App(ho, r)), Eq(msg, V))))

    empty = Comprehension(q, Eq(IntConst(0), IntConst(1)))
    hyps = [Eq(App(ho, p), App(ho, j)), Eq(App(aho, p), empty), Eq(App(aho, j), empty)]
    res = entails(hyps, Eq(count(p), count(j)), depth=0)
    assert res.verdict is Verdict.VALID, res.reason
    atoms = {str(a) for a in reduce_formula(And(*hyps, Not(Eq(count(p), count(j)))),
                                            depth=0).reducer.set_atoms}
    assert sum("x(" in a for a in atoms) == 1, atoms  # one value class, shared


def test_a_condition_without_the_bound_variable_is_taken_out_of_the_count() -> None:
    """``|{q in HO(p) | coord = p}|`` (messages sent to the coordinator) is
    ``if coord = p then |HO(p)| else 0``: the Venn regions are over ``HO(p)`` alone, not over a
    set ``{q | coord = p}`` (empty or everything) for each process ``p`` too, which doubles the
    regions and the instances on their witnesses."""
    ho = FunctionSymbol("HO", (PROC,), SET_PROC)
    coord = Var("coord", PROC)
    p, q = Var("p", PROC), Var("q", PROC)

    def heard(r: Term) -> Term:
        return Card(Comprehension(q, And(Member(q, App(ho, r)), Eq(coord, r))))

    f = And(Forall(p, Gt(heard(p), N / 2)), Not(Gt(Card(App(ho, coord)), N / 2)))
    red = reduce_formula(f, depth=0)
    atoms = [str(a) for a in red.reducer.set_atoms]
    assert "HO(coord)" in atoms and all(a.startswith("HO(") for a in atoms), atoms
    assert check(f).answer is Answer.UNSAT
    # the condition false: nothing is counted, whatever the set
    g = Exists(p, And(Not(Eq(coord, p)), Gt(heard(p), IntConst(0))))
    assert check(g).answer is Answer.UNSAT
    # a conjunct that keeps the variable stays a set: {q | q in HO(p)} is HO(p) itself
    h = Card(Comprehension(q, And(Eq(coord, p), Member(q, App(ho, p)), Eq(App(X, q), V))))
    red = reduce_formula(Gt(h, IntConst(0)), depth=0)
    assert sorted(str(a) for a in red.reducer.set_atoms) == ["HO(p)", "{c!1 | x(c!1) = v}"]


def test_set_constants_alone_need_no_witness_links() -> None:
    """A formula over set constants and cardinalities has no process for a Venn witness to stand
    for: its reduction leaves out the witnesses' memberships and the regions' lexicographic order,
    and a model's memberships come from the region bits (and still validate)."""
    from logic import Union_

    sets = [Var(f"A{i}", SET_PROC) for i in range(8)]
    pure = And(*(Ge(Card(s), IntConst(2)) for s in sets),
               Le(Card(Union_(sets[0], sets[1])), IntConst(3)), Le(N, IntConst(9)))
    red = reduce_formula(pure, encoding="sparse")
    assert not red.reducer.witness_links
    layer = red.final_layer
    assert layer.witness_links and layer.lex_order  # built, but left out of the formula
    assert "\u220b" not in red.smtlib()  # no membership predicate
    res = check(pure, encoding="sparse")
    assert res.answer is Answer.SAT and res.model is not None
    model = res.model.structure
    assert all(len(model.constants[f"A{i}"]) >= 2 for i in range(8))
    # a process term makes the witnesses processes of the formula: links and order are kept
    with_process = And(pure, Member(P, sets[0]))
    red2 = reduce_formula(with_process, encoding="sparse")
    assert red2.reducer.witness_links and "\u220b" in red2.smtlib()
    assert check(with_process, encoding="sparse").answer is Answer.SAT


@pytest.mark.parametrize("options, wrong", [
    ({"depth": -1}, "depth must be at least 0"),
    ({"timeout": float("nan")}, "timeout must be a positive number"),
    ({"timeout": float("inf")}, "timeout must be a positive number"),
    ({"timeout": 0.0}, "timeout must be a positive number"),
])
def test_bad_options_of_check_are_value_errors(options: dict[str, float], wrong: str) -> None:
    with pytest.raises(ValueError, match=wrong):
        check(Gt(N, IntConst(1)), **options)  # type: ignore[arg-type]
    if "depth" in options:
        with pytest.raises(ValueError, match=wrong):
            reduce_formula(Gt(N, IntConst(1)), depth=-1)


def test_an_attempt_is_read_back_from_its_label() -> None:
    from logic.decide import ATTEMPTS, Attempt

    for at in (*ATTEMPTS, Attempt(3, triggers=False, witness_terms=False, member_triggers=True)):
        assert Attempt.from_label(at.label) == at
    for bad in ("depth x", "triggers", "depth 1, anchored, sideways",
                "depth 1, anchored, triggers"):
        with pytest.raises(ValueError, match="not an attempt's label"):
            Attempt.from_label(bad)


def _needs_two_regions(k: int) -> Term:
    """``k`` sets of at least ``i + 1`` processes each (``k`` cardinalities: a large sparse layer),
    two of them non-empty and disjoint: every model has two non-empty regions or more."""
    sets = [Var(f"B{i}", SET_PROC) for i in range(k)]
    return And(*(Ge(Card(s), IntConst(i + 1)) for i, s in enumerate(sets)),
               Eq(Card(Inter(sets[0], sets[1])), IntConst(0)), Le(N, IntConst(40)))


@pytest.mark.parametrize("support, first", [(8, "sat"), (1, "unsat")])
def test_large_layers_look_for_a_model_with_a_small_support_first(
        monkeypatch: pytest.MonkeyPatch, support: int, first: str) -> None:
    """With large sparse layers, ``check`` first asks for a model using at most
    ``SMALL_SUPPORT_REGIONS`` generic regions per layer. Its models are models of the reduction;
    when there is none with that support, the full query follows and still finds one."""
    import logic.decide as decide

    monkeypatch.setattr(decide, "SMALL_SUPPORT_REGIONS", support)
    k = 10  # a layer the full query solves fast
    formula = _needs_two_regions(k)
    red = reduce_formula(formula, encoding="sparse")
    assert decide._layers_dominate(red)
    res = check(formula, encoding="sparse")
    assert res.stats["small_support"] == first
    assert res.answer is Answer.SAT and res.model is not None
    model = res.model.structure
    assert not model.constants["B0"] & model.constants["B1"]
    assert all(len(model.constants[f"B{i}"]) >= i + 1 for i in range(k))
    # an unsat formula is never decided by the small-support query
    contradiction = And(formula, Ge(Card(Union_(Var("B0", SET_PROC), Var("B1", SET_PROC))),
                                    Add(N, IntConst(1))))
    assert check(contradiction, encoding="sparse").answer is Answer.UNSAT


def test_a_membership_is_a_trigger_but_not_one_made_by_a_set_definition() -> None:
    """``forall q. q in HO(p) -> phi(q)`` is instantiated with the processes seen as members of an
    HO set (``k in HO(p)``), as E-matching would (the definitions of set atoms, which put every
    process in a membership, are no evidence)."""
    from logic import Forall, Implies
    from logic.reduce import Reducer

    ho = FunctionSymbol("HO", (PROC,), SET_PROC)
    k, q = Var("k", PROC), Var("q", PROC)
    f = And(Member(k, App(ho, P)), Forall(q, Implies(Member(q, App(ho, P)), Eq(App(X, q), V))),
            Not(Eq(App(X, k), V)), Gt(Card(holders(W)), IntConst(0)))
    red = Reducer(f, depth=0, triggers=True, member_triggers=True)
    red.run()
    clause = next(c for c in red.clauses if c.origin == "input" and c.vars)
    assert (ho, -1) in red.triggers(clause, clause.vars[0])
    assert k in red.app_args[(ho, -1)]
    assert check(f).answer is Answer.UNSAT


def test_clauses_that_hold_syntactically_are_dropped() -> None:
    """``forall i. not d(i) or d(i) or ...`` is valid: no clause, hence no instances (such
    clauses come from distributing implications over optional values)."""
    from logic import Forall, Or
    from logic.normalize import prepare

    d = FunctionSymbol("d", (PROC,), BOOL)
    valid_clause = Forall(I, Or(Not(App(d, I)), App(d, I), Eq(App(X, I), V)))
    assert prepare(valid_clause) == []
    # a disjunct whose conjuncts all hold makes the whole disjunction hold
    assert prepare(Or(Eq(App(X, I), V), Forall(P, Or(Not(App(d, P)), App(d, P))))) == []
    # not a tautology: kept
    assert len(prepare(Forall(I, Or(Not(App(d, I)), Eq(App(X, I), V))))) == 1


def test_a_disjunction_of_universals_is_not_distributed_into_a_clause_of_both() -> None:
    """``(forall i. A(i)) or (forall j. B(j))`` gets a Boolean name for one side rather than the
    clause ``forall i, j. A(i) or B(j)``, whose instances are quadratic."""
    from logic import Forall, Implies, Or
    from logic.normalize import prepare

    d = FunctionSymbol("d", (PROC,), BOOL)
    one_kind = Or(Forall(I, Implies(App(d, I), And(App(d, I), Eq(App(X, I), V)))),
                  Forall(P, Implies(App(d, P), And(App(d, P), Eq(App(X, P), W)))))
    clauses = prepare(one_kind)
    assert clauses and all(len(c.vars) <= 1 for c in clauses)
    # and the meaning is kept: two processes with d and different values of x refute it
    a, b = Var("a", PROC), Var("b", PROC)
    f = And(one_kind, App(d, a), App(d, b), Not(Eq(V, W)), Not(Eq(App(X, a), App(X, b))),
            Eq(App(X, a), V), Eq(App(X, b), W))
    assert check(f).answer is Answer.UNSAT


def test_instance_tuples_are_the_filtered_product_in_its_order() -> None:
    """Before the final round, an instance has at most one deep term (capped generations sum to at
    most the round): the pruned enumeration yields exactly those tuples of the product, in order."""
    import itertools
    import random

    from logic.reduce import Reducer

    rng = random.Random(7)
    terms = [Var(f"t{k}", PROC) for k in range(7)]
    red = Reducer(Eq(App(X, I), V))
    for g in (0, 1, 2):
        for _ in range(20):
            red.gen = {t: rng.randrange(4) for t in terms if rng.random() < 0.9}
            pools = [rng.sample(terms, rng.randrange(1, 6)) for _ in range(rng.randrange(2, 4))]
            expected = [c for c in itertools.product(*pools)
                        if sum(min(red.gen[t], g) for t in c if t in red.gen) <= g]
            assert list(red._combos(pools, g)) == expected


def test_a_reduction_past_its_deadline_stops_even_when_every_tuple_is_pruned() -> None:
    from logic.errors import UnsupportedError
    from logic.reduce import Reducer

    terms = [Var(f"t{k}", PROC) for k in range(100)]
    red = Reducer(Eq(App(X, I), V), deadline=0.0)  # long past
    red.gen = {t: 5 for t in terms}  # every pair is too deep for round 1: nothing to yield
    with pytest.raises(UnsupportedError, match="^timeout: the reduction ran out of time"):
        list(red._combos([terms, terms, terms], 1))


def test_a_venn_layer_too_large_to_build_is_an_unknown_with_the_reason(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A layer's size (regions x sets x anchored processes) is bounded before it is built: past
    the bound the attempt is abandoned with the reason, never left to run past its deadline."""
    import logic.reduce as reduce_mod
    from logic.errors import UnsupportedError

    a, b = Var("a", PROC), Var("b", PROC)
    f = And(Gt(Card(holders(V)), N / 2), Gt(Card(holders(W)), N / 2), Not(Eq(V, W)),
            Member(a, S), Member(b, S))
    assert check(f).answer is Answer.UNSAT
    monkeypatch.setattr(reduce_mod, "MAX_LAYER_MEMBERSHIPS", 3)
    with pytest.raises(UnsupportedError, match="membership tests"):
        reduce_formula(f, depth=0)
    res = check(f, timeout=10)
    assert res.answer is Answer.UNKNOWN and "membership tests" in (res.reason or "")


def test_decoded_tables_are_completed_for_the_evaluator() -> None:
    """Entries no instance mentioned get defaults, so a candidate model is judged by evaluation
    ("does it satisfy the formula") rather than failing on a missing entry."""
    from logic.decode import _complete_tables
    from logic.evaluate import holds
    from logic.structure import Structure

    aho = FunctionSymbol("AHO", (PROC,), SET_PROC)
    tables = {aho: {(0,): frozenset({1})}, X: {(1,): 0}}
    _complete_tables(tables, 3, {VAL: (0, 1)})
    assert tables[aho] == {(0,): frozenset({1}), (1,): frozenset(), (2,): frozenset()}
    assert tables[X] == {(0,): 0, (1,): 0, (2,): 0}
    s = Structure(3, {VAL: (0, 1)}, tables, {})
    assert holds(Forall(P, Le(Card(App(aho, P)), IntConst(1))), s)


@given(st.lists(st.frozensets(st.integers(0, 7), min_size=1, max_size=5), max_size=40),
       st.integers(1, 6))
@settings(max_examples=200, deadline=None)
def test_maximal_families_are_the_definition(fams: list[frozenset[int]], limit: int) -> None:
    """The local families kept are the first maximal ones in the order, as the quadratic
    definition says (the fast version tests each only against the maximal ones kept)."""
    from logic.reduce import maximal_families

    terms = {i: Var(f"s{i}", SET_PROC) for i in range(8)}
    families = {frozenset(terms[i] for i in f) for f in fams}
    ordered = sorted(families, key=lambda x: (-len(x), sorted(map(str, x))))
    expected = [f for f in ordered if not any(f < other for other in families)][:limit]
    assert maximal_families(families, limit) == expected


def _set_expressions(atoms: list[Term]) -> st.SearchStrategy[Term]:
    from logic.terms import EMPTY, Diff

    leaves = st.sampled_from([*atoms, EMPTY])
    return st.recursive(leaves, lambda sub: st.one_of(
        st.builds(Union_, sub, sub), st.builds(Inter, sub, sub), st.builds(Diff, sub, sub)),
        max_leaves=8)


@given(st.data())
@settings(max_examples=200, deadline=None)
def test_region_masks_are_set_formula_on_every_region(data: st.DataObject) -> None:
    """The exact decompositions of local families read each cardinality's regions off bit
    sets (``region_mask``): the same regions as ``set_formula`` evaluated region by region."""
    from logic.compat import pysmt_env
    from logic.venn import region_mask, set_formula

    k = data.draw(st.integers(1, 4))
    atoms = [Var(f"a{i}", SET_PROC) for i in range(k)]
    e = data.draw(_set_expressions(atoms))
    mgr = pysmt_env().formula_manager
    masks = {a: sum(1 << b for b in range(2 ** k) if (b >> i) & 1) for i, a in enumerate(atoms)}
    mask = region_mask(e, masks)
    for b in range(2 ** k):
        inside = set_formula(mgr, e, lambda a, b=b: mgr.Bool(bool((b >> atoms.index(a)) & 1)))
        assert inside.simplify().is_true() == bool((mask >> b) & 1), (e, b)


def test_local_families_leave_out_the_atoms_of_witnesses() -> None:
    """Two processes with the same HO set of more than n/2 hold the same x: the set of those
    with process k's HO set and another x is empty. Its instances on the layer's witnesses give
    set atoms HO(w) in cardinalities with HO(k); the exact decompositions on the side are of the
    atoms that mention no witness (one family per witness cost z3 tenfold on A_T,E), and the
    formula is still refuted."""
    from logic.terms import Diff, Implies

    ho = FunctionSymbol("HO", (PROC,), SET_PROC)
    i, j, k, c = (Var(name, PROC) for name in ("i", "j", "k", "c"))
    same = Forall((i, j), Implies(And(Gt(Card(App(ho, i)), N / 2), Eq(App(ho, j), App(ho, i))),
                                  Eq(App(X, i), App(X, j))))
    others = Diff(Comprehension(c, Eq(App(ho, c), App(ho, k))),
                  Comprehension(c, Eq(App(X, c), App(X, k))))
    goal = Forall(k, Implies(Gt(Card(App(ho, k)), N / 2), Eq(Card(others), IntConst(0))))
    f = And(same, Not(goal))
    red = reduce_formula(f, depth=0, triggers=True, anchored=True)
    witnesses = {w for layer in red.reducer.layers for w in layer.witnesses}
    from logic.terms import subterms

    def mentions_witness(atom: Term) -> bool:
        return any(t in witnesses for t in subterms(atom))

    assert any(mentions_witness(a) for a in red.reducer.set_atoms)
    families = red.reducer.families
    assert families and not any(mentions_witness(a) for fam in families for a in fam)
    assert check(f, timeout=30).answer is Answer.UNSAT


def test_a_set_inside_and_outside_a_comprehension_is_one_venn_atom() -> None:
    """``HO(p)`` is counted, and tested inside the body of a comprehension (``p in HO(p)``
    mentions no bound variable): one atom and one cardinality, not one per place the walk of the
    formula met them (a second copy of an atom doubles the full decomposition's regions)."""
    from logic.terms import Ite, Lt, Or

    ho = FunctionSymbol("HO", (PROC,), SET_PROC)
    y = FunctionSymbol("y", (PROC,), VAL)
    i = Var("i", PROC)
    heard = App(ho, P)
    counted = Comprehension(i, Eq(Ite(Member(P, heard), App(X, i), App(y, i)), V))
    # one ground formula meets HO(p) outside the comprehension and inside its body
    f = And(Gt(Card(heard), N / 2), Or(Gt(Card(counted), N / 2), Eq(Card(heard), IntConst(0))),
            Lt(Card(Comprehension(i, Eq(App(X, i), V))), IntConst(1)), Member(P, heard))
    from logic.reduce import Reducer

    both = f.args[1]
    terms, atoms, cards = Reducer(both)._new_items(both)
    assert atoms.count(heard) == 1 and len(atoms) == len(set(atoms))
    assert len(cards) == len(set(cards)) and len(terms) == len(set(terms))
    red = reduce_formula(f, depth=0, triggers=True, anchored=True)
    atoms = red.reducer.set_atoms
    assert heard in atoms
    assert len(atoms) == len(set(atoms))
    for layer in red.reducer.layers:
        assert len(layer.atoms) == len(set(layer.atoms))
    assert len(red.reducer.cards) == len(set(red.reducer.cards))
    assert check(f, timeout=30).answer is Answer.UNSAT


def _deep_value() -> tuple[Term, Term]:
    """No value is good, and for every p some q has a good x(q): unsat only on the value
    x(sk(p)) of a Skolem witness (generation 1, beyond depth 0); and the same contradiction on a
    value of the input, x(c)."""
    good = FunctionSymbol("good", (VAL,), BOOL)
    h = FunctionSymbol("h", (PROC,), PROC)
    c, q = Var("c", PROC), Var("q", PROC)
    none = Forall(V, Not(App(good, V)))
    deep = And(Forall(P, Exists(q, And(App(good, App(X, q)), Eq(App(h, q), P)))), none,
               Eq(App(X, c), App(X, c)))
    return deep, And(none, App(good, App(X, c)))


def test_a_staged_reduction_leaves_the_deeper_values_to_a_stage_of_their_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``staged=True`` first instantiates the final round's values within the depth bound only
    (``pending_deep_values``; here whatever the deeper ones add, as in a large VC where they
    add many); ``extend`` adds the deeper ones: the same instances, in the same order, as the
    reduction made at once. ``check`` proves the formula that needs no deeper value before them
    (and says so), and the one that needs one after them."""
    import logic.reduce

    deep, shallow = _deep_value()
    # with the default share, a stage of 1 instance after 9 is not worth a query of its own
    assert not reduce_formula(deep, depth=0, triggers=True, staged=True).reducer.pending
    monkeypatch.setattr(logic.reduce, "STAGED_GROWTH", 0.0)
    whole = reduce_formula(deep, depth=0, triggers=True)
    staged = reduce_formula(deep, depth=0, triggers=True, staged=True)
    assert staged.reducer.pending_deep_values and not whole.reducer.pending
    assert 0 < len(staged.instances) < len(whole.instances)
    before = staged.instance_log()
    extended = staged.reducer.extend()
    assert extended is not None and not extended.reducer.pending
    assert extended.instance_log() == whole.instance_log()
    assert whole.instance_log().startswith(before)
    late = check(deep, depth=0, triggers=True)
    assert late.answer is Answer.UNSAT and "before_deeper_values" not in late.stats
    both = And(deep, shallow)
    early = check(both, depth=0, triggers=True)
    assert early.answer is Answer.UNSAT and early.stats["before_deeper_values"] is True
    assert early.stats["instances"] < len(reduce_formula(both, depth=0, triggers=True).instances)
    # the shallow formula has no deeper values: nothing staged, proved in one query
    assert not reduce_formula(shallow, depth=0, triggers=True, staged=True).reducer.pending


def test_the_stage_that_decided_a_formula_is_built_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """``reduction_of`` builds the reduction a result came from (what ``--smtlib`` writes): a
    formula that needs a deeper value but not the triggered rounds (staged here whatever they
    add) is refuted by the stage between them, and that is the stage built again."""
    import logic.reduce
    from logic.decide import reduction_of

    monkeypatch.setattr(logic.reduce, "STAGED_GROWTH", 0.0)
    from logic import Or

    deep, _ = _deep_value()
    chain, _ = _witness_chain()
    # the chain's last clause, which only the triggered rounds refute, made harmless
    last = chain.args[2]
    loose = Forall(last.bound_vars, Or(last.args[0], Var("flag", BOOL)))
    f = And(deep, chain.args[0], chain.args[1], loose)
    staged = reduce_formula(f, depth=0, triggers=True, staged=True)
    middle = staged.reducer.extend()
    assert middle is not None and middle.reducer.pending_rounds > 0
    res = check(f, attempts=(Attempt(0),))
    assert res.answer is Answer.UNSAT and res.stats["before_triggered_rounds"] is True
    assert "before_deeper_values" not in res.stats
    again = reduction_of(f, Attempt(0), res.stats)
    assert len(again.instances) == res.stats["instances"] == len(middle.instances)
    assert again.smtlib() == middle.smtlib()
    whole = reduction_of(f, Attempt(0), {})
    assert len(whole.instances) > len(middle.instances) and not whole.reducer.pending


def _counter_model_values(tag: str, before: bool = False) -> tuple[int, list[int]]:
    """The values of ``y`` in the small model ``check`` reports for three processes with
    distinct values of ``y`` in 0..50 summing to 100 (``y`` named after ``tag``; ``before``:
    first check another formula over the same terms, made in another order)."""
    from logic import INT

    y = FunctionSymbol(f"y_{tag}", (PROC,), INT)
    a, b, c = (Var(name, PROC) for name in "abc")
    ys = [App(y, p) for p in (a, b, c)]
    body = And(*(And(Ge(t, IntConst(0)), Le(t, IntConst(50))) for t in ys),
               Eq(Add(Add(ys[0], ys[1]), ys[2]), IntConst(100)),
               *(Not(Eq(s, t)) for k, s in enumerate(ys) for t in ys[k + 1:]))
    if before:
        check(Exists([c, b, a], And(*(Gt(t, IntConst(k)) for k, t in enumerate(ys[::-1])))),
              isolate=False)
    res = check(Exists([a, b, c], body), small_model=True, isolate=False)
    assert res.answer is Answer.SAT and res.model is not None
    table = res.model.structure.functions[y]
    return res.model.n, sorted(table[(p,)] for p in res.model.structure.processes)


def test_a_reported_model_does_not_depend_on_the_checks_before() -> None:
    """``check(small_model=True)`` searches the model it reports again in z3 contexts of their
    own (``logic.backends.solve``'s ``own_context``): the same model for two copies of a formula,
    the second one's symbols used first by another check (the same values; which process has
    which may differ, as the two symbols' names do)."""
    assert _counter_model_values("first") == _counter_model_values("second", before=True)


def _seven_sets(goal_pair: str) -> Term:
    """Seven sets, three of them quorums, and no process of the quorums ``goal_pair`` holding
    ``v``: unsat for two quorums of more than 2n/3 (with ``{i | x(i) = v}``), sat with the
    majority ``HO(r)``. The reduction's Venn layer is sparse (7 atoms, 46 generic regions)."""
    from logic import ho_signature, parse, value_sort

    val = value_sort("Val")
    sig = ho_signature(FunctionSymbol("x", (PROC,), val), values=[val],
                       constants={"v": val, "w": val, "u": val, "t": val, "p": PROC,
                                  "q": PROC, "r": PROC})
    return parse("|HO(p)| > 2*n/3 and |HO(q)| > 2*n/3 and |HO(r)| > n/2 and "
                 "|{i | x(i) = v}| > 2*n/3 and |{i | x(i) = w}| < n/3 and "
                 "|{i | x(i) = u}| < n/3 and |{i | x(i) = t}| < n/4 and "
                 f"(forall i. i in {goal_pair} -> x(i) != v)", sig)


def _slow_sparse(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every query of a reduction with a sparse Venn layer time out; the encodings of the
    layers of the reductions asked, in order."""
    import logic.decide as decide
    from logic.result import CheckResult

    asked: list[str] = []
    real = decide._answer

    def answer(formula: Term, reduction: Any, *args: Any, **kw: Any) -> CheckResult:
        encodings = sorted({layer.plan.encoding for layer in reduction.reducer.layers})
        asked.append("+".join(encodings))
        if "sparse" in encodings:
            return CheckResult(Answer.UNKNOWN, "z3", 0.0, None, "timeout after 0.5 s",
                               reduction, dict(reduction.stats))
        return real(formula, reduction, *args, **kw)

    monkeypatch.setattr(decide, "_answer", answer)
    return asked


@pytest.mark.parametrize("backend", available_backends())
def test_a_slow_sparse_query_is_followed_by_the_full_decomposition(
        backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from logic.decide import reduction_of

    unsat, sat = _seven_sets("HO(p) and i in HO(q)"), _seven_sets("HO(p) and i in HO(r)")
    layers = reduce_formula(unsat, depth=0, triggers=True, anchored=True).reducer.layers
    assert [(layer.plan.encoding, len(layer.atoms)) for layer in layers] == [("sparse", 7)]
    asked = _slow_sparse(monkeypatch)
    res = check(unsat, backend=backend)
    assert res.answer is Answer.UNSAT and res.stats["exact_layers"] is True
    assert asked == ["sparse", "full"]
    # the reduction that decided it is built again from the stats (--smtlib writes it)
    again = reduction_of(unsat, Attempt.from_label(res.stats["attempt"]), res.stats)
    assert [layer.plan.encoding for layer in again.reducer.layers] == ["full"]
    # a model of the full decomposition is validated as any other (not asked of cvc5: its
    # search for a model of these 128 regions takes it 20 s)
    if backend == "cvc5":
        return
    asked.clear()
    res = check(sat, backend=backend, attempts=(Attempt(0),))
    assert res.answer is Answer.SAT and res.model is not None
    assert validate(sat, res.model.structure)[0]
    assert asked[:2] == ["sparse", "full"]


def test_a_full_decomposition_too_large_leaves_the_time_to_the_sparse_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    unsat = _seven_sets("HO(p) and i in HO(q)")
    sparse = reduce_formula(unsat, depth=0, triggers=True, anchored=True)
    full = reduce_formula(unsat, depth=0, triggers=True, anchored=True, encoding="full")
    limit = len(sparse.instances) + 1
    assert len(full.instances) > limit
    asked = _slow_sparse(monkeypatch)
    for backend, again in (("z3", MAX_RESTARTS), ("yices", 1)):
        if backend not in available_backends():
            continue
        asked.clear()
        res = check(unsat, backend=backend, attempts=(Attempt(0, anchored=True),),
                    max_instances=limit)
        # the full one is not built (too many instances): the sparse query again, with the
        # rest (on z3, restarts with other seeds; every one of them a timeout here)
        assert asked == ["sparse"] * (1 + again)
        assert res.answer is Answer.UNKNOWN and res.reason is not None
        assert res.reason.startswith("timeout") and "exact_layers" not in res.stats


def test_a_slow_sparse_query_on_z3_is_restarted_with_other_seeds_and_more_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Layers too large for the full decomposition: the sparse query again, with another seed
    and twice the time, until one answers (z3's time on it is heavy-tailed in the seed)."""
    import logic.decide as decide
    from logic.result import CheckResult

    monkeypatch.setattr(decide, "EXACT_ATOMS", 5)  # the seven sets' full decomposition: too large
    asked: list[tuple[int | None, float]] = []
    real = decide._answer

    def answer(formula: Term, reduction: Any, reduce_seconds: float, backend: str,
               timeout: float, *args: Any, seed: int | None = None,
               answer_by: float | None = None, **kw: Any) -> CheckResult:
        asked.append((seed, (timeout if answer_by is None else answer_by) - reduce_seconds))
        if seed is None or seed < 2:
            return CheckResult(Answer.UNKNOWN, backend, 0.0, None, "timeout after 2 s",
                               reduction, dict(reduction.stats))
        return real(formula, reduction, reduce_seconds, backend, timeout, *args, seed=seed,
                    answer_by=answer_by, **kw)

    monkeypatch.setattr(decide, "_answer", answer)
    unsat = _seven_sets("HO(p) and i in HO(q)")
    res = check(unsat, backend="z3", attempts=(Attempt(0, anchored=True),))
    assert res.answer is Answer.UNSAT and res.stats["restarts"] == 2
    assert [seed for seed, _ in asked] == [None, 1, 2]
    first, second, third = (budget for _, budget in asked)
    assert first >= decide.RESTART_AFTER_SECONDS
    assert second == pytest.approx(2 * first, rel=1e-6)
    assert third == pytest.approx(4 * first, rel=1e-6)
    # the other backends' search does not depend on a seed: one query with all the time
    if "yices" in available_backends():
        asked.clear()
        res = check(unsat, backend="yices", attempts=(Attempt(0, anchored=True),))
        assert [seed for seed, _ in asked] == [None] and res.answer is Answer.UNKNOWN


def test_the_time_to_answer_bounds_the_search_not_what_follows_a_model(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A query with a short time to answer (the sparse one before the full decomposition)
    that finds a model still has the attempt's whole time for what follows it: the search for
    a small model a person reads, in a context of its own."""
    import logic.backends as backends
    import logic.decide as decide
    from logic.decide import Models, prepare

    if "z3" not in available_backends():
        pytest.skip("z3 is not installed")
    sat = _seven_sets("HO(p) and i in HO(r)")
    asked: list[tuple[bool, float]] = []
    real = backends.solve

    def solve(*args: Any, **kw: Any) -> Any:
        asked.append((bool(kw.get("own_context")), kw["timeout"]))
        return real(*args, **kw)

    monkeypatch.setattr(backends, "solve", solve)
    prepared = prepare(sat, Attempt(0))
    start = time.perf_counter() - prepared.seconds
    res = decide._answer(sat, prepared.reduction, prepared.seconds, "z3", 30.0, False,
                         Models.SMALL, start, answer_by=prepared.seconds + 1.0)
    assert res.answer is Answer.SAT
    # the search for a model, then a smaller one and the search in a context of its own
    assert asked[0][1] <= 1.0 and len(asked) >= 2
    assert max(t for _, t in asked[1:]) > 1.0 and any(own for own, _ in asked[1:])
