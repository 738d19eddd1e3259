"""Exhaustive search over small structures (logic.bruteforce)."""

from __future__ import annotations

from typing import Any

import pytest

from logic.bruteforce import (
    SearchLimitExceeded,
    count_structures,
    find_model,
    search_size,
    structures,
)
from logic.errors import SortError, UnsupportedError
from logic.evaluate import EvaluationError, check_structure, evaluate, holds
from logic.signature import Signature, ho_signature
from logic.sorts import BOOL, INT, PROC, SET_PROC, FunctionSymbol, Sort, value_sort
from logic.structure import Structure
from logic.terms import (
    EMPTY,
    And,
    App,
    Card,
    Comprehension,
    Eq,
    Exists,
    Forall,
    Implies,
    IntConst,
    Inter,
    Member,
    N,
    Not,
    Term,
    Var,
)

VAL = value_sort("Val")
ROUND = value_sort("Round", ordered=True)
X = FunctionSymbol("x", (PROC,), VAL)
HO = FunctionSymbol("HO", (PROC,), SET_PROC)
DEC = FunctionSymbol("decided", (PROC,), BOOL)
DECISION = FunctionSymbol("decision", (PROC,), VAL)
TS = FunctionSymbol("ts", (PROC,), ROUND)
i, j = Var("i", PROC), Var("j", PROC)
v, w = Var("v", VAL), Var("w", VAL)
A, B, C = (Var(name, SET_PROC) for name in "ABC")
SIG = ho_signature(X, DEC, DECISION, TS, values=[VAL, ROUND])


def x(p: Term) -> Term:
    return App(X, p)


def ho(p: Term) -> Term:
    return App(HO, p)


def count_of(val: Term) -> Term:
    return Card(Comprehension(i, Eq(x(i), val)))


def snapshot(s: Structure) -> tuple[Any, ...]:
    """A hashable picture of a structure, to check that enumerated structures are distinct."""
    tables = tuple(sorted((f.display_name, tuple(sorted(t.items(), key=repr)))
                          for f, t in s.functions.items()))
    return (s.n, tables, tuple(sorted(s.constants.items())))


# ---- counting --------------------------------------------------------------------------------

def sig_of(*functions: FunctionSymbol, constants: dict[str, Sort] | None = None,
           sorts: tuple[Sort, ...] = (VAL,)) -> Signature:
    return Signature.build(sorts=sorts, functions=functions, constants=constants)


COUNT_CASES = [
    # (signature, n, domain_size, int_values, expected count), by hand
    (sig_of(X), 3, 2, (0, 1), 2 ** 3),                        # x: Proc -> Val: 8
    (sig_of(X), 2, 3, (0, 1), 3 ** 2),
    (sig_of(HO), 1, 2, (0, 1), 2 ** 1),                       # HO(0) in {{}, {0}}
    (sig_of(HO), 2, 2, (0, 1), 4 ** 2),
    (sig_of(HO), 3, 2, (0, 1), 8 ** 3),
    (sig_of(X, HO), 2, 2, (0, 1), 2 ** 2 * 4 ** 2),
    (sig_of(constants={"b": BOOL, "c": INT}), 2, 2, (0, 1, 2), 2 * 3),
    (sig_of(FunctionSymbol("f", (PROC, VAL), BOOL)), 2, 2, (0, 1), 2 ** 4),
    (sig_of(FunctionSymbol("g", (INT,), BOOL)), 3, 2, (0, 1), 2 ** 2),
    (sig_of(FunctionSymbol("h", (PROC,), PROC)), 3, 2, (0, 1), 3 ** 3),
    (sig_of(FunctionSymbol("k", (), INT)), 2, 2, (5, 6, 7), 3),
    (sig_of(constants={"S": SET_PROC, "p": PROC}), 3, 2, (0,), 8 * 3),
    (sig_of(FunctionSymbol("y", (VAL,), VAL)), 1, 3, (0,), 3 ** 3),
    (sig_of(), 4, 2, (0, 1), 1),
]


@pytest.mark.parametrize(("sig", "n", "dom", "ints", "expected"), COUNT_CASES)
def test_structure_counts_match_arithmetic(sig: Signature, n: int, dom: int,
                                           ints: tuple[int, ...], expected: int) -> None:
    assert count_structures(sig, n, domain_size=dom, int_values=ints) == expected
    all_ = list(structures(sig, n, domain_size=dom, int_values=ints))
    assert len(all_) == expected
    assert len({snapshot(s) for s in all_}) == expected          # all distinct
    for s in all_:
        assert s.n == n
        assert set(s.constants) == set(sig.constants)
        for f in sig.functions.values():                         # total tables
            sizes = {"Proc": n, "Val": dom, "Int": len(ints), "Bool": 2}
            expected_entries = 1
            for sort in f.domain:
                expected_entries *= sizes[sort.name]
            assert len(s.functions[f]) == expected_entries
        for sort in sig.sorts.values():
            assert s.domains[sort] == tuple(range(dom))


def test_tables_are_total_over_the_argument_ranges() -> None:
    f = FunctionSymbol("f", (PROC, VAL, BOOL, INT), PROC)
    sig = sig_of(f)
    s = next(structures(sig, 2, domain_size=3, int_values=(4, 7)))
    assert set(s.functions[f]) == {(p, a, b, k) for p in range(2) for a in range(3)
                                   for b in (False, True) for k in (4, 7)}
    assert set(s.functions[f].values()) == {0}   # the first structure: all process 0
    # every value of an entry occurs
    seen = {s.functions[HO][(1,)] for s in structures(sig_of(HO), 2)}
    assert seen == {frozenset(), frozenset({0}), frozenset({1}), frozenset({0, 1})}


def test_every_interpretation_of_x_occurs_once() -> None:
    tables = [tuple(s.functions[X][(p,)] for p in range(3)) for s in structures(sig_of(X), 3)]
    assert sorted(tables) == [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)]


def test_extra_constants_and_int_argument_functions() -> None:
    g = FunctionSymbol("g", (INT,), INT)
    sig = sig_of(g, constants={"c": INT})
    all_ = list(structures(sig, 1, int_values=(0, 1), constants={"d": BOOL}))
    assert len(all_) == 2 ** 2 * 2 * 2 == count_structures(sig, 1, int_values=(0, 1),
                                                         constants={"d": BOOL})
    s = all_[0]
    assert set(s.constants) == {"c", "d"}
    assert set(s.functions[g]) == {(0,), (1,)}
    # g is interpreted on int_values only
    assert evaluate(App(g, Var("c", INT)), s) in (0, 1)
    with pytest.raises(EvaluationError, match=r"g\(2\)"):
        evaluate(App(g, IntConst(2)), s)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        list(structures(sig_of(X), 0))
    with pytest.raises(ValueError):
        count_structures(sig_of(X), 2, domain_size=0)
    with pytest.raises(ValueError):
        count_structures(sig_of(X), 2, int_values=(True, 2))


# ---- exhaustive checks of valid facts ---------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3])
def test_valid_facts_hold_in_every_structure(n: int) -> None:
    sig = sig_of(X, HO, constants={"v": VAL})
    p = Var("p", PROC)
    split = Eq(count_of(v) + Card(Comprehension(i, Not(Eq(x(i), v)))), N)
    majorities = Forall([i, j], Implies((Card(ho(i)) > N / 2) & (Card(ho(j)) > N / 2),
                                        Exists(p, Member(p, Inter(ho(i), ho(j))))))
    checked = 0
    for s in structures(sig, n, domain_size=2):
        assert holds(split, s) and holds(majorities, s)
        checked += 1
    assert checked == count_structures(sig, n) == 2 ** n * (2 ** n) ** n * 2


# ---- find_model ------------------------------------------------------------------------------

def check_model(phi: Term, model: Structure | None, n: int) -> Structure:
    assert model is not None
    assert model.n == n
    assert holds(phi, model)
    return model


def test_finds_the_smallest_n() -> None:
    phi = Exists(i, Not(Member(i, ho(i))))
    check_model(phi, find_model(phi, SIG), 1)
    # a 2/3 quorum for v that is not unanimous needs n >= 4
    phi = (count_of(v) > 2 * N / 3) & Exists(i, Not(Eq(x(i), v)))
    model = check_model(phi, find_model(phi, SIG), 4)
    assert set(model.constants) == {"v"}
    assert set(model.functions) == {X}       # only what the formula mentions
    # floor division does not help here (at n = 3, 2 > 2*3//3 is false); >= does
    phi_floor = (count_of(v) > 2 * N // 3) & Exists(i, Not(Eq(x(i), v)))
    check_model(phi_floor, find_model(phi_floor, SIG), 4)
    phi_ge = (count_of(v) >= 2 * N / 3) & Exists(i, Not(Eq(x(i), v)))
    check_model(phi_ge, find_model(phi_ge, SIG), 3)


def test_two_disjoint_majorities_have_no_model() -> None:
    phi = (Card(A) > N / 2) & (Card(B) > N / 2) & Eq(Inter(A, B), EMPTY)
    assert search_size(phi, SIG, max_n=5) == sum(4 ** n for n in range(1, 6))
    assert find_model(phi, SIG, max_n=5) is None
    # with >= instead of > there are models (n even)
    phi_ge = (Card(A) >= N / 2) & (Card(B) >= N / 2) & Eq(Inter(A, B), EMPTY)
    check_model(phi_ge, find_model(phi_ge, SIG, max_n=5), 2)
    # on HO sets of two free processes
    p, q = Var("p", PROC), Var("q", PROC)
    phi_ho = (Card(ho(p)) > N / 2) & (Card(ho(q)) > N / 2) & Eq(Inter(ho(p), ho(q)), EMPTY)
    assert find_model(phi_ho, SIG, max_n=3) is None


def test_three_quorums() -> None:
    empty_core = Eq(Inter(Inter(A, B), C), EMPTY)
    # three majorities may have an empty common intersection (pairwise regions are not enough)...
    majorities = And(Card(A) > N / 2, Card(B) > N / 2, Card(C) > N / 2, empty_core)
    model = check_model(majorities, find_model(majorities, SIG), 3)
    assert all(len(model.constants[name]) == 2 for name in "ABC")
    # ...three 2n/3 quorums may not
    quorums = And(Card(A) > 2 * N / 3, Card(B) > 2 * N / 3, Card(C) > 2 * N / 3, empty_core)
    assert find_model(quorums, SIG, max_n=4) is None


def test_no_two_values_with_two_thirds_quorums() -> None:
    phi = Exists([v, w], Not(Eq(v, w)) & (count_of(v) > 2 * N / 3) & (count_of(w) > 2 * N / 3))
    assert find_model(phi, SIG, max_n=5, domain_size=3) is None
    assert search_size(phi, SIG, max_n=5, domain_size=3) == sum(3 ** n for n in range(1, 6))


def test_agreement_follows_from_the_one_third_rule_invariant() -> None:
    def dec(p: Term) -> Term:
        return App(DEC, p)

    def dn(p: Term) -> Term:
        return App(DECISION, p)

    inv = Forall(i, Not(dec(i))) | Exists(v, (count_of(v) > 2 * N / 3)
                                          & Forall(i, Implies(dec(i), Eq(dn(i), v))))
    disagreement = Exists([i, j], dec(i) & dec(j) & Not(Eq(dn(i), dn(j))))
    assert find_model(inv & disagreement, SIG, max_n=4) is None
    # without the quorum the invariant is too weak
    weak = Forall(i, Not(dec(i))) | Exists(v, Forall(i, Implies(dec(i), Eq(x(i), v))))
    check_model(weak & disagreement, find_model(weak & disagreement, SIG), 2)


def test_versioned_symbols_and_ordered_sorts() -> None:
    old_x = X.versioned("old")
    phi = Exists(i, Not(Eq(App(old_x, i), x(i))))
    model = check_model(phi, find_model(phi, SIG), 1)
    assert set(model.functions) == {X, old_x}
    def ts(p: Term) -> Term:
        return App(TS, p)

    phi2 = Exists([i, j], ts(i) < ts(j)) & Forall(i, ts(i) < Var("r", ROUND))
    model2 = check_model(phi2, find_model(phi2, SIG, domain_size=3), 2)
    assert model2.domains[ROUND] == (0, 1, 2)
    assert model2.constants["r"] == 2


def test_free_variables_int_quantifiers_and_int_values() -> None:
    b = Var("b", BOOL)
    assert find_model(b & Not(b), SIG) is None
    model = find_model(b, SIG)
    assert model is not None and model.constants == {"b": True} and model.n == 1
    c = Var("c", INT)
    phi = Eq(c + c, N + 2)
    check_model(phi, find_model(phi, SIG, int_values=(0, 1, 2)), 2)
    assert find_model(phi, SIG, int_values=(0, 1)) is None
    k = Var("k", INT)
    half = Exists(k, Eq(k + k, N)) & (N > 2)
    with pytest.raises(UnsupportedError, match="int_range"):
        find_model(half, SIG)
    check_model_range = find_model(half, SIG, int_range=range(0, 5))
    assert check_model_range is not None and check_model_range.n == 4


def test_limit_and_search_size() -> None:
    phi = (Card(A) > N / 2) & (Card(B) > N / 2) & Eq(Inter(A, B), EMPTY)
    assert search_size(phi, SIG, max_n=3) == 4 + 16 + 64
    with pytest.raises(SearchLimitExceeded):
        find_model(phi, SIG, max_n=3, limit=50)
    assert find_model(phi, SIG, max_n=3, limit=84) is None        # exactly enough
    easy = Exists(i, Member(i, ho(i)))
    assert find_model(easy, SIG, limit=2) is not None             # n = 1, second structure


def test_signature_consistency() -> None:
    other_x = FunctionSymbol("x", (PROC,), INT)
    phi = Eq(App(other_x, i), 0)
    with pytest.raises(SortError, match="declared"):
        find_model(Forall(i, phi), SIG)
    # undeclared symbols are interpreted all the same
    y = FunctionSymbol("y", (PROC,), BOOL)
    model = find_model(Forall(i, App(y, i)), SIG)
    assert model is not None and model.functions[y] == {(0,): True}
    # one name, two sorts
    with pytest.raises(SortError, match="two sorts"):
        find_model(Eq(Var("z", INT), 0) & Var("z", BOOL), SIG)
    with pytest.raises(SortError):
        find_model(N + 1, SIG)   # not a formula


def test_enumerated_structures_are_well_formed() -> None:
    f = FunctionSymbol("f", (PROC, VAL), BOOL)
    sig = sig_of(X, HO, TS, f, constants={"c": INT, "S": SET_PROC}, sorts=(VAL, ROUND))
    u, c, s_ = Var("u", VAL), Var("c", INT), Var("S", SET_PROC)
    phi = Exists([i, u], And(Eq(x(i), u), Member(i, ho(i)), App(f, i, x(i)),
                             App(TS, i) < App(TS, i), Eq(c, Card(s_))))
    assert count_structures(sig, 2, int_values=(0, 3)) == 4 * 16 * 4 * 16 * 2 * 4
    for n in (1, 2):
        for k, s in enumerate(structures(sig, n, int_values=(0, 3))):
            if k % 97 == 0:         # a sample: enumerating all at n = 2 takes a while
                check_structure(phi, s)
            if k > 3000:
                break
