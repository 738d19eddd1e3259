"""Sets a formula states empty, replaced by the empty set in its other ground formulas
(logic.emptysets; soundness against brute force: tests/test_soundness.py; verdicts:
tests/corpus/cardinality.hol, "a set stated empty")."""

from __future__ import annotations

import pytest

from logic import (
    PROC,
    SET_PROC,
    Answer,
    FunctionSymbol,
    Signature,
    check,
    ho_signature,
    parse,
    value_sort,
)
from logic.emptysets import KnownEmpty
from logic.reduce import reduce_formula
from logic.terms import (
    EMPTY,
    FALSE,
    TRUE,
    App,
    Card,
    Diff,
    Eq,
    IntConst,
    Ite,
    Le,
    Member,
    Or,
    Term,
    Union_,
    Var,
    subterms,
)

VAL = value_sort("Val")
X = FunctionSymbol("x", (PROC,), VAL)
AHO = FunctionSymbol("AHO", (PROC,), SET_PROC)
CX = FunctionSymbol("cx", (PROC, PROC), VAL)
SIG: Signature = ho_signature(X, AHO, CX, values=[VAL],
                              constants={"v": VAL, "w": VAL, "k": PROC, "p": PROC})
P = Var("p", PROC)
Q = Var("q", PROC)
A = App(AHO, P)
B = Var("B", SET_PROC)
ZERO = IntConst(0)


@pytest.mark.parametrize("fact", [
    Eq(Card(A), ZERO), Eq(ZERO, Card(A)), Le(Card(A), ZERO),
    # how `AHO(p) = {}` reaches the reducer: the cardinality of the symmetric difference
    Eq(Card(Union_(Diff(A, EMPTY), Diff(EMPTY, A))), ZERO),
])
def test_a_fact_that_a_set_is_empty_is_found_and_kept(fact: Term) -> None:
    known = KnownEmpty([fact])
    assert known.atoms == {A}
    assert known(fact) in (Eq(Card(A), ZERO), Eq(ZERO, Card(A)), Le(Card(A), ZERO))
    assert known(fact) is not TRUE


@pytest.mark.parametrize("not_a_fact", [
    Eq(Card(A), IntConst(1)), Le(Card(A), IntConst(1)),
    Eq(Card(Diff(A, B)), ZERO),  # an inclusion, not emptiness of an atom
    Or(Eq(Card(A), ZERO), Member(P, B)),  # not a unit
])
def test_only_unit_facts_on_atoms_count(not_a_fact: Term) -> None:
    known = KnownEmpty([not_a_fact])
    assert not known
    assert known(Member(Q, A)) is Member(Q, A)


def test_other_ground_formulas_are_rewritten_without_the_empty_set() -> None:
    known = KnownEmpty([Eq(Card(A), ZERO)])
    assert known(Member(Q, A)) is FALSE
    assert known(Or(Member(Q, A), Member(Q, B))) is Member(Q, B)
    assert known(Eq(Card(Diff(B, A)), Card(Union_(B, A)))) is TRUE
    received = Ite(Member(Q, A), App(CX, P, Q), App(X, Q))
    assert known(Eq(received, Var("v", VAL))) is Eq(App(X, Q), Var("v", VAL))
    # a set not stated empty is left alone
    other = App(AHO, Q)
    assert known(Member(P, other)) is Member(P, other)


def _uncorrupted_round() -> Term:
    """The shape of A_T,E's first good round: a receiver that hears k without corruption
    counts the values of the processes it hears, as k does."""
    return parse(
        "AHO(k) = {} and |HO(k)| > 2*n/3 and "
        "(forall i, u. |{j | j in HO(i) and (if j in AHO(i) then cx(i, j) else x(j)) = u}| "
        "     = |{j | j in HO(k) and x(j) = u}|) and "
        "not (|{j | j in HO(k) and (if j in AHO(k) then cx(k, j) else x(j)) = v}| "
        "     = |HO(k) inter {j | x(j) = v}|)", SIG)


def test_an_empty_set_takes_the_corrupted_values_out_of_the_venn_atoms() -> None:
    reduction = reduce_formula(_uncorrupted_round(), depth=0, triggers=True, anchored=True)
    atoms = reduction.reducer.set_atoms
    assert reduction.stats["empty_sets"] == 1
    # HO(k), AHO(k) and the value classes of x: no set of processes whose message to k was
    # corrupted into a value (every {c | cx(k, c) = ...} is gone with AHO(k))
    assert not [a for a in atoms if any(s.op.name == "APP" and s.payload == CX
                                        for s in subterms(a))]
    assert len(atoms) <= 4


def test_the_uncorrupted_round_is_proved() -> None:
    result = check(_uncorrupted_round(), backend="z3", timeout=20)
    assert result.answer is Answer.UNSAT
    assert result.stats["empty_sets"] == 1


def test_reading_a_model_of_a_binary_value_function_stays_bounded() -> None:
    """A model's values of an unordered sort are read by their pairwise equalities; a function
    of two processes into it (cx, on the corpus goal uncorrupted_all: some 2,000 values) is not
    read rather than asking millions of queries (its model is then not validated: unknown)."""
    from logic import Not
    from logic.decode import MAX_QUERIES, plan_queries

    goal = parse("(forall j. AHO(j) = {} -> "
                 "|{i | i in HO(j) and (if i in AHO(j) then cx(j, i) else x(i)) = v}| > n/2) and "
                 "AHO(p) = {} and AHO(k) = {} -> |HO(p) inter HO(k) inter {i | x(i) = v}| > 0",
                 SIG)
    reduction = reduce_formula(Not(goal))
    assert len(plan_queries(reduction).queries) <= MAX_QUERIES
