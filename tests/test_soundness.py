"""Property-based soundness of the decision procedure against brute force.

Random formulas over a small signature in the decidable fragment (cardinalities of comprehensions,
memberships, one-variable quantifiers over processes and values) are decided on every installed
backend and compared with exhaustive search over all structures with n <= 4:

* the procedure never answers unsat where brute force finds a model;
* a sat answer always carries a model that satisfies the formula (checked again here);
* a sat model small enough for the brute-force space means brute force finds a model too.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from logic import (
    PROC,
    SET_PROC,
    And,
    Answer,
    App,
    Card,
    Comprehension,
    Eq,
    Exists,
    Forall,
    FunctionSymbol,
    Ge,
    Gt,
    IntConst,
    Le,
    Lt,
    Member,
    N,
    Not,
    Or,
    Signature,
    Term,
    Var,
    available_backends,
    check,
    value_sort,
)
from logic.bruteforce import find_model, search_size
from logic.evaluate import holds
from logic.sorts import BOOL

VAL = value_sort("Val")
X = FunctionSymbol("x", (PROC,), VAL)
D = FunctionSymbol("d", (PROC,), BOOL)
HO = FunctionSymbol("HO", (PROC,), SET_PROC)
S = Var("S", SET_PROC)
P = Var("p", PROC)
V = Var("v", VAL)
I = Var("i", PROC)
J = Var("j", PROC)
W = Var("w", VAL)
SIG = Signature.build(sorts=[VAL], constants={"S": SET_PROC, "p": PROC, "v": VAL},
                      functions=[X, D, HO])
DOMAIN = 3
MAX_N = 4
BUDGET = 60_000  # structures per brute-force search; HO tables shrink n to 3 when needed


def _max_n(formula: Term) -> int:
    """The largest n <= MAX_N whose brute-force search stays within the budget."""
    for n in range(MAX_N, 1, -1):
        if search_size(formula, SIG, max_n=n, domain_size=DOMAIN) <= BUDGET:
            return n
    return 1


def _brute(formula: Term) -> tuple[object, int]:
    """A model with n <= the budgeted bound and a value domain of 1 to DOMAIN values."""
    n = _max_n(formula)
    for size in range(1, DOMAIN + 1):
        model = find_model(formula, SIG, max_n=n, domain_size=size)
        if model is not None:
            return model, n
    return None, n


def _proc_atoms(i: Term, value: Term) -> st.SearchStrategy[Term]:
    return st.sampled_from([
        Eq(App(X, i), value), Eq(App(X, i), App(X, P)), App(D, i), Member(i, S), Eq(i, P),
        Member(i, App(HO, P)),
    ])


def _body(i: Term, value: Term) -> st.SearchStrategy[Term]:
    atom = _proc_atoms(i, value)
    lit = st.one_of(atom, atom.map(Not))
    return st.one_of(lit, st.tuples(lit, lit).map(lambda ab: And(*ab)),
                     st.tuples(lit, lit).map(lambda ab: Or(*ab)))


_CMP = [Lt, Le, Gt, Ge, Eq]


def _threshold() -> st.SearchStrategy[Term]:
    return st.one_of(
        st.integers(0, 3).map(IntConst),
        st.tuples(st.integers(1, 2), st.integers(2, 3)).map(lambda kd: (kd[0] * N) / kd[1]),
        st.integers(0, 1).map(lambda c: N - c),
    )


def _card_constraint(value: Term) -> st.SearchStrategy[Term]:
    sets = st.one_of(_body(I, value).map(lambda b: Comprehension(I, b)), st.just(S),
                     st.just(App(HO, P)))
    return st.tuples(sets, st.sampled_from(_CMP), _threshold()).map(
        lambda t: t[1](Card(t[0]), t[2]))


def _ground_atom(value: Term) -> st.SearchStrategy[Term]:
    return st.one_of(st.sampled_from([Member(P, S), App(D, P), Eq(App(X, P), value),
                                      Member(P, App(HO, P))]), _card_constraint(value))


def _quantified() -> st.SearchStrategy[Term]:
    return st.one_of(
        _body(I, V).map(lambda b: Forall(I, b)),
        _body(I, V).map(lambda b: Exists(I, b)),
        st.tuples(_body(J, W), st.sampled_from(_CMP), _threshold()).map(
            lambda t: Exists(W, t[1](Card(Comprehension(J, t[0])), t[2]))),
        st.tuples(_body(J, W), st.sampled_from(_CMP), _threshold()).map(
            lambda t: Forall(W, t[1](Card(Comprehension(J, t[0])), t[2]))),
        _body(I, App(X, J)).map(lambda b: Forall(J, Exists(I, b))),
    )


def _literal() -> st.SearchStrategy[Term]:
    a = st.one_of(_ground_atom(V), _quantified())
    return st.one_of(a, a.map(Not))


formulas = st.lists(_literal(), min_size=1, max_size=4).map(lambda ls: And(*ls))

BACKENDS = available_backends()


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=50, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(formula=formulas)
# satisfiable only with a one-value domain: brute force must try small domains too
@example(formula=Forall(W, Lt(Card(Comprehension(J, Or(App(D, J), Not(Eq(App(X, J), W))))), 1)))
def test_never_unsat_when_brute_force_finds_a_model(backend: str, formula: Term) -> None:
    _agrees_with_brute_force(backend, formula)


# a set stated empty is replaced by the empty set in the rest of the ground formulas
# (logic.emptysets): the same comparison with such a fact conjoined to every formula
_EMPTINESS_FACTS = st.sampled_from([Eq(Card(S), IntConst(0)), Le(Card(App(HO, P)), IntConst(0)),
                                    Eq(IntConst(0), Card(App(HO, P)))])


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(fact=_EMPTINESS_FACTS, formula=formulas)
# the rewriting at work: S is empty, so the comprehension is {i | d(i)} and the formula unsat;
# and a sat one whose model must still give S no member
@example(fact=Eq(Card(S), IntConst(0)),
         formula=And(Gt(Card(Comprehension(I, Or(Member(I, S), App(D, I)))), IntConst(0)),
                     Forall(I, Not(App(D, I)))))
@example(fact=Eq(Card(S), IntConst(0)),
         formula=And(Not(Member(P, S)), Ge(Card(Comprehension(I, Or(Member(I, S), App(D, I)))),
                                           IntConst(1))))
def test_a_set_stated_empty_keeps_the_verdicts_sound(backend: str, fact: Term,
                                                     formula: Term) -> None:
    _agrees_with_brute_force(backend, And(fact, formula))


def _agrees_with_brute_force(backend: str, formula: Term) -> None:
    result = check(formula, backend=backend, timeout=20)
    if result.answer is Answer.SAT:
        assert result.model is not None
        assert holds(formula, result.model.structure), "a sat answer with a wrong model"
        s = result.model.structure
        if s.n <= _max_n(formula) and all(len(d) <= DOMAIN for d in s.domains.values()):
            assert _brute(formula)[0] is not None
    elif result.answer is Answer.UNSAT:
        model, n = _brute(formula)
        assert model is None, f"unsound: unsat, but brute force found a model (n <= {n})"
    else:
        assert result.reason
