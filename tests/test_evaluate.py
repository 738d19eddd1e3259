"""The reference semantics (logic.evaluate), checked against hand computations and Python."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import pytest

from logic.errors import LogicError, SortError, UnsupportedError
from logic.evaluate import EvaluationError, check_structure, compile_term, evaluate, holds
from logic.sorts import BOOL, INT, PROC, SET_PROC, FunctionSymbol, value_sort
from logic.structure import Structure
from logic.terms import (
    EMPTY,
    FALSE,
    TRUE,
    And,
    App,
    Card,
    Comprehension,
    Diff,
    Eq,
    Exists,
    FloorDiv,
    Forall,
    Ge,
    Gt,
    Iff,
    Implies,
    IntConst,
    Inter,
    Ite,
    Member,
    N,
    Not,
    Op,
    Or,
    Subset,
    Term,
    Union_,
    Var,
    free_vars,
)

VAL = value_sort("Val")
OVAL = value_sort("Round", ordered=True)
X = FunctionSymbol("x", (PROC,), VAL)
HO = FunctionSymbol("HO", (PROC,), SET_PROC)
TS = FunctionSymbol("ts", (PROC,), OVAL)
DEC = FunctionSymbol("decided", (PROC,), BOOL)
i, j = Var("i", PROC), Var("j", PROC)
v, w = Var("v", VAL), Var("w", VAL)
S, T = Var("S", SET_PROC), Var("T", SET_PROC)
# Processes have no literals: the structures below name process k by the constant pk.
P = [Var(f"p{k}", PROC) for k in range(6)]


def proc(p: Term | int) -> Term:
    return P[p] if isinstance(p, int) else p


def x(p: Term | int) -> Term:
    return App(X, proc(p))


def ho(p: Term | int) -> Term:
    return App(HO, proc(p))


def fs(*xs: int) -> frozenset[int]:
    return frozenset(xs)


def table(values: list[Any]) -> dict[tuple[Any, ...], Any]:
    return {(p,): val for p, val in enumerate(values)}


def struct(n: int, **tables: list[Any]) -> Structure:
    symbols = {"x": X, "HO": HO, "ts": TS, "decided": DEC}
    return Structure(n, {VAL: (0, 1, 2), OVAL: (0, 1, 2, 3)},
                     {symbols[name]: table(vals) for name, vals in tables.items()},
                     {f"p{k}": k for k in range(n)})


def count_of(val: Term) -> Term:
    """|{i | x(i) = val}|"""
    return Card(Comprehension(i, Eq(x(i), val)))


# ---- quorums ---------------------------------------------------------------------------------

# (n, x as a list, value, |{i | x(i) = value}| > 2n/3), each checked by hand
QUORUM_CASES = [
    (1, [0], 0, True),            # 1 > 2/3
    (1, [1], 0, False),           # 0 > 2/3
    (2, [0, 0], 0, True),         # 2 > 4/3
    (2, [0, 1], 0, False),        # 1 > 4/3 is false
    (3, [0, 0, 1], 0, False),     # 2 > 2 is false
    (3, [0, 0, 0], 0, True),      # 3 > 2
    (4, [0, 0, 0, 1], 0, True),   # 3 > 8/3
    (4, [0, 0, 1, 1], 0, False),  # 2 > 8/3 is false
    (5, [1, 0, 1, 1, 0], 1, False),   # 3 > 10/3 is false
    (5, [1, 1, 1, 1, 0], 1, True),    # 4 > 10/3
    (6, [2, 2, 2, 2, 0, 1], 2, False),  # 4 > 4 is false
    (6, [2, 2, 2, 2, 2, 1], 2, True),   # 5 > 4
]


@pytest.mark.parametrize(("n", "xs", "val", "expected"), QUORUM_CASES)
def test_two_thirds_quorum_by_hand(n: int, xs: list[int], val: int, expected: bool) -> None:
    s = struct(n, x=xs)
    assert evaluate(count_of(v), s, {v: val}) == xs.count(val)
    assert holds(count_of(v) > 2 * N / 3, s, {v: val}) is expected
    # the same fact through a closed formula: some value has a 2/3 quorum
    best = max(xs.count(val) for val in range(3))
    assert holds(Exists(v, count_of(v) > 2 * N / 3), s) is (3 * best > 2 * n)


@pytest.mark.parametrize("n", range(1, 7))
def test_quorum_for_every_count(n: int) -> None:
    for k in range(n + 1):
        s = struct(n, x=[0] * k + [1] * (n - k))
        assert holds(count_of(v) > 2 * N / 3, s, {v: 0}) is (3 * k > 2 * n)
        assert holds(count_of(v) > N / 2, s, {v: 0}) is (2 * k > n)
        # two different values cannot both have a 2/3 quorum
        both = Exists([v, w], Not(Eq(v, w)) & (count_of(v) > 2 * N / 3)
                      & (count_of(w) > 2 * N / 3))
        assert not holds(both, s)


# ---- exact and floor division ----------------------------------------------------------------

def test_division_values_by_hand() -> None:
    s3, s4, s5 = Structure(3), Structure(4), Structure(5)
    assert evaluate(2 * N / 3, s3) == 2 and type(evaluate(2 * N / 3, s3)) is int
    assert evaluate(2 * N / 3, s4) == Fraction(8, 3)
    assert evaluate(2 * N / 3, s5) == Fraction(10, 3)
    assert [evaluate(2 * N // 3, s) for s in (s3, s4, s5)] == [2, 2, 3]
    assert [evaluate(2 * (N // 3), s) for s in (s3, s4, s5)] == [2, 2, 2]
    assert evaluate(N / 2, s4) == 2 and type(evaluate(N / 2, s4)) is int
    assert evaluate(N / 2, s5) == Fraction(5, 2)
    # floor of a fraction, and Python's floor on negatives
    assert evaluate(FloorDiv(2 * N / 3, 1), s4) == 2
    assert evaluate(FloorDiv(-7 + 0 * N, 2), s4) == -4
    assert evaluate((N / 3) + (N / 3) + (N / 3), s4) == 4
    assert holds(Eq(N / 3 + N / 3 + N / 3, N), s5)
    # exact: 3 * (n/3) = n, but 3 * (n//3) is not n at n = 4
    assert holds(Eq(3 * (N / 3), N), s4)
    assert not holds(Eq(3 * (N // 3), N), s4)


@pytest.mark.parametrize("n", [3, 4, 5])
def test_division_boundaries_against_fractions(n: int) -> None:
    s = Structure(n)
    exact = Fraction(2 * n, 3)
    floor = 2 * n // 3
    for c in range(-1, n + 2):
        k = IntConst(c)
        assert holds(k > 2 * N / 3, s) is (c > exact)
        assert holds(k >= 2 * N / 3, s) is (c >= exact)
        assert holds(k > 2 * N // 3, s) is (c > floor)
        assert holds(k >= 2 * N // 3, s) is (c >= floor)
        assert holds(k < 2 * N / 3, s) is (c < exact)
        assert holds(k <= 2 * N / 3, s) is (c <= exact)
        assert holds(Eq(k, 2 * N / 3), s) is (c == exact)
    # where exact and floor division disagree
    assert holds(IntConst(floor) >= 2 * N / 3, s) is (n == 3)


def test_set_sizes_against_division() -> None:
    # |HO(p)| > 2n/3 vs > 2n//3 at n = 4 with |HO(p)| = 3, 2
    s = struct(4, HO=[fs(0, 1, 2), fs(0, 1), fs(), fs(0, 1, 2, 3)])
    assert holds(Card(ho(0)) > 2 * N / 3, s)
    assert not holds(Card(ho(1)) > 2 * N / 3, s)
    assert not holds(Card(ho(1)) > 2 * N // 3, s)
    assert holds(Card(ho(1)) >= 2 * N // 3, s)
    assert not holds(Card(ho(1)) >= 2 * N / 3, s)


# ---- comprehensions and sets -----------------------------------------------------------------

HO_TABLE = [fs(0, 1), fs(0, 2, 3), fs(0, 1, 2, 3), fs(0, 1, 2)]   # n = 4


def test_comprehensions_over_ho_sets() -> None:
    s = struct(4, HO=HO_TABLE)
    assert evaluate(Comprehension(i, Not(Member(i, ho(i)))), s) == fs(1, 3)
    assert evaluate(Comprehension(i, Forall(j, Member(i, ho(j)))), s) == fs(0)  # the kernel
    assert evaluate(Comprehension(i, Exists(j, Not(Member(i, ho(j))))), s) == fs(1, 2, 3)
    assert evaluate(Comprehension(i, Member(i, ho(i))), s) == fs(0, 2)
    # who hears from process 3
    assert evaluate(Comprehension(i, Member(Var("p", PROC), ho(i))), s,
                    {Var("p", PROC): 3}) == fs(1, 2)
    assert evaluate(Card(Comprehension(i, Card(ho(i)) > N / 2)), s) == 3


def test_comprehension_ignoring_its_variable() -> None:
    s = struct(3, HO=[fs(), fs(1), fs(0, 1, 2)])
    assert evaluate(Comprehension(i, TRUE), s) == fs(0, 1, 2)
    assert evaluate(Comprehension(i, FALSE), s) == fs()
    assert evaluate(Comprehension(i, Eq(ho(0), EMPTY)), s) == fs(0, 1, 2)
    assert evaluate(Comprehension(i, Eq(ho(1), EMPTY)), s) == fs()
    assert evaluate(Card(Comprehension(i, Var("b", BOOL))), s, {Var("b", BOOL): True}) == 3
    # body mentions another process only
    assert evaluate(Comprehension(i, Member(j, ho(2))), s, {j: 1}) == fs(0, 1, 2)
    assert evaluate(Card(Comprehension(i, Member(j, ho(1)))), s, {j: 0}) == 0


def test_set_equality_subset_and_operations() -> None:
    s = struct(4, HO=[fs(0, 1), fs(1, 0), fs(2), fs(0, 1, 2, 3)])
    assert holds(Eq(ho(0), ho(1)), s)
    assert not holds(Eq(ho(0), ho(2)), s)
    assert holds(Not(Eq(ho(0), ho(2))), s)
    assert holds(Subset(ho(0), ho(3)), s)
    assert holds(Subset(ho(0), ho(1)), s)   # not strict
    assert not holds(Subset(ho(3), ho(0)), s)
    assert holds(Subset(EMPTY, ho(2)), s)
    assert evaluate(Union_(ho(0), ho(2)), s) == fs(0, 1, 2)
    assert evaluate(Inter(ho(0), ho(3)), s) == fs(0, 1)
    assert evaluate(Diff(ho(3), ho(0)), s) == fs(2, 3)
    assert evaluate(ho(0) | ho(2), s) == fs(0, 1, 2)
    assert holds(Eq(Comprehension(i, TRUE), ho(3)), s)
    assert holds(Eq(Comprehension(i, Member(i, ho(0)) | Member(i, ho(2))),
                    Union_(ho(0), ho(2))), s)
    assert evaluate(Card(EMPTY), s) == 0


def test_ordered_value_sort() -> None:
    s = struct(3, ts=[2, 0, 3])
    t0, t1, t2 = (App(TS, P[k]) for k in range(3))
    assert holds(t1 < t0, s) and holds(t0 < t2, s) and not holds(t2 <= t0, s)
    assert holds(t0 >= t0, s) and holds(t2 > t1, s)
    r = Var("r", OVAL)
    # the maximal timestamp is 3, held by process 2
    maximal = Forall(j, App(TS, j) <= App(TS, i))
    assert evaluate(Comprehension(i, maximal), s) == fs(2)
    assert holds(Exists(r, Forall(j, App(TS, j) <= r) & Exists(j, Eq(App(TS, j), r))), s)
    # quantifiers over the ordered sort range over its domain (0..3)
    assert evaluate(Card(Comprehension(i, Exists(r, App(TS, i) < r))), s) == 2
    assert holds(Forall(r, Exists(Var("q", OVAL), Var("q", OVAL) <= r)), s)


def test_boolean_connectives_and_ite() -> None:
    s = struct(3, decided=[True, False, True], x=[1, 0, 1])
    d = [App(DEC, P[k]) for k in range(3)]
    assert holds(d[0] & d[2], s) and not holds(d[0] & d[1], s)
    assert holds(d[1] | d[2], s) and not holds(d[1] | Not(d[0]), s)
    assert holds(Implies(d[1], FALSE), s) and not holds(Implies(d[0], d[1]), s)
    assert holds(Iff(d[0], d[2]), s) and not holds(Iff(d[0], d[1]), s)
    assert evaluate(Ite(d[1], IntConst(5), N + 1), s) == 4
    assert evaluate(Ite(d[0], x(1), x(2)), s) == 0
    agreement = Forall([i, j], Implies(App(DEC, i) & App(DEC, j), Eq(x(i), x(j))))
    assert holds(agreement, s)
    assert not holds(agreement, struct(3, decided=[True, False, True], x=[1, 0, 2]))


# ---- quantifiers -----------------------------------------------------------------------------

@pytest.mark.parametrize("n", range(1, 6))
def test_quantifiers_over_sets(n: int) -> None:
    s = Structure(n)
    assert holds(Forall(S, Card(S) <= N), s)
    for k in range(n + 2):
        assert holds(Exists(S, Eq(Card(S), k)), s) is (k <= n)
    assert holds(Forall([S, T], Eq(Card(Union_(S, T)) + Card(Inter(S, T)), Card(S) + Card(T))), s)
    # any two majorities intersect; two sets of size n/2 need not
    assert holds(Forall([S, T], Implies((Card(S) > N / 2) & (Card(T) > N / 2),
                                        Card(Inter(S, T)) > 0)), s)
    assert holds(Exists([S, T], (Card(S) >= N / 2) & (Card(T) >= N / 2)
                        & Eq(Inter(S, T), EMPTY)), s) is (n % 2 == 0)
    # number of subsets: |{i | exists S. i in S and |S| = 1}| = n
    assert evaluate(Card(Comprehension(i, Exists(S, Member(i, S) & Eq(Card(S), 1)))), s) == n


def test_quantifiers_over_ho_sets_and_processes() -> None:
    s = struct(4, HO=HO_TABLE)
    assert holds(Exists(S, Forall(i, Iff(Member(i, S), Member(i, ho(i))))), s)
    assert holds(Forall(i, Member(Var("z", PROC), ho(i))), s,
                 {Var("z", PROC): 0})
    assert not holds(Forall(i, Card(ho(i)) > N / 2), s)      # |HO(0)| = 2
    assert holds(Forall([i, j], Card(Inter(ho(i), ho(j))) > 0), s)   # no split
    b = Var("b", BOOL)
    assert holds(Exists(b, b) & Forall(b, Iff(b, Not(Not(b)))), s)
    assert not holds(Forall(b, b), s)


def test_int_quantifiers_need_a_range() -> None:
    k = Var("k", INT)
    s = Structure(4)
    phi = Exists(k, Eq(3 * k, N + 2))
    with pytest.raises(UnsupportedError, match="k: Int"):
        holds(phi, s)
    assert holds(phi, s, int_range=range(-5, 6))
    assert not holds(phi, Structure(3), int_range=range(-5, 6))
    assert holds(Forall(k, Implies(k > N, k >= 5)), s, int_range=range(-10, 10))
    assert not holds(Forall(k, k < 3), s, int_range=range(0, 4))


def test_environment_constants_and_shadowing() -> None:
    c = Var("c", PROC)
    s = Structure(3, {VAL: (0, 1)}, {HO: table([fs(0), fs(1), fs(2)])}, {"c": 1, "v": 0})
    assert evaluate(c, s) == 1                      # from the structure's constants
    assert evaluate(c, s, {c: 2}) == 2              # env first
    assert evaluate(ho(c), s) == fs(1)
    # the binder shadows env; the outer i is the env's again afterwards
    phi = Exists(i, Member(i, ho(i))) & Eq(i, c)
    assert holds(phi, s, {i: 1})
    assert not holds(phi, s, {i: 2})
    shadow = Forall(i, Exists(i, Eq(i, c)) & Member(i, ho(i)))
    assert holds(shadow, s)
    nested = Comprehension(i, Exists(j, Eq(i, j) & Forall(i, Member(i, ho(i)))))
    assert evaluate(nested, s) == fs(0, 1, 2)
    assert evaluate(Comprehension(i, Eq(i, c) | Exists(i, Eq(i, c) & FALSE)), s) == fs(1)
    # the caller's env is not modified
    env: Mapping[Term, Any] = {i: 1}
    holds(phi, s, env)
    assert dict(env) == {i: 1}


# ---- errors ----------------------------------------------------------------------------------

def test_unbound_variable() -> None:
    s = Structure(3)
    with pytest.raises(EvaluationError, match="'ghost'") as info:
        evaluate(Var("ghost", INT) + 1, s)
    assert isinstance(info.value, KeyError) and isinstance(info.value, LogicError)
    # bound inside, unbound outside
    with pytest.raises(EvaluationError, match="'i'"):
        holds(Exists(j, Eq(i, j)), s)


def test_missing_tables_entries_and_domains() -> None:
    s = Structure(3, {}, {HO: {(0,): fs(0), (1,): fs(1)}}, {"p0": 0, "p1": 1, "p2": 2})
    assert evaluate(ho(1), s) == fs(1)
    with pytest.raises(EvaluationError, match=r"HO\(2\)"):
        evaluate(ho(2), s)
    with pytest.raises(EvaluationError, match=r"HO\(2\)"):
        holds(Forall(i, Card(ho(i)) > 0), s)
    with pytest.raises(EvaluationError, match="does not interpret the function x"):
        evaluate(x(0), s)
    old_ho = HO.versioned("old")
    with pytest.raises(EvaluationError, match=r"old\(HO\)"):
        evaluate(App(old_ho, P[0]), s)
    with pytest.raises(EvaluationError, match="no domain for the value sort Val"):
        holds(Exists(v, TRUE), s)
    f = FunctionSymbol("f", (INT,), INT)
    s2 = Structure(2, {}, {f: {(0,): 5, (1,): 6}})
    assert evaluate(App(f, N - 1), s2) == 6
    with pytest.raises(EvaluationError, match=r"f\(2\)"):
        evaluate(App(f, N), s2)
    with pytest.raises(EvaluationError, match="f"):
        evaluate(App(f, N / 4), s2)   # 1/2 is no argument the table has


def test_holds_needs_a_formula() -> None:
    with pytest.raises(SortError):
        holds(N + 1, Structure(2))


def test_n_ary_arithmetic_and_multi_arity_functions() -> None:
    g = FunctionSymbol("g", (PROC, VAL, BOOL), INT)
    c0 = FunctionSymbol("c0", (), INT)
    tab = {(p, a, b): 100 * p + 10 * a + int(b) for p in range(2) for a in range(2)
           for b in (False, True)}
    s = Structure(2, {VAL: (0, 1)}, {g: tab, c0: {(): 7}}, {"p0": 0, "p1": 1})
    assert evaluate(App(g, P[1], Var("a", VAL), TRUE), s, {Var("a", VAL): 1}) == 111
    assert evaluate(App(c0) + N + 1, s) == 10
    assert evaluate((N + N + N) - (-N) * 2, s) == 10
    total = Var("t", INT)
    a0, a1 = Var("a0", VAL), Var("a1", VAL)
    summed = Exists(total, Eq(total, App(g, P[0], a0, FALSE) + App(g, P[1], a1, TRUE) + App(c0)))
    assert holds(summed, s, {a0: 0, a1: 1}, int_range=range(100, 120))   # 0 + 111 + 7
    assert not holds(summed, s, {a0: 1, a1: 1}, int_range=range(100, 120))  # 10 + 111 + 7


# ---- deep and shared terms --------------------------------------------------------------------

def test_deep_terms() -> None:
    s = struct(3, HO=[fs(0), fs(1), fs(0, 1, 2)])
    f = TRUE
    for _ in range(401):
        f = Not(f)
    assert not holds(f, s)
    a: Term = IntConst(0)
    for k in range(300):
        a = a + (N if k % 2 else 1)
    assert evaluate(a, s) == 150 + 150 * 3
    g: Term = TRUE
    for k in range(250):   # 250 nested binders, alternating and shadowing
        q = Var(f"q{k % 4}", PROC)
        g = (Exists if k % 2 else Forall)(q, Member(q, ho(2)) & g)
    assert holds(g, s)
    h: Term = Comprehension(i, TRUE)
    for _ in range(200):
        h = Comprehension(i, Member(i, Inter(h, ho(2))))
    assert evaluate(Card(h), s) == 3


def test_shared_subterms_are_not_reevaluated_exponentially() -> None:
    k = Var("k", INT)
    e: Term = k
    for _ in range(64):
        e = e + e       # a DAG of 65 nodes, a tree of 2^65
    s = Structure(2)
    assert evaluate(e, s, {k: 1}) == 2 ** 64
    assert holds(Exists(k, Eq(e, 0)), s, int_range=range(-3, 4))
    assert not holds(Forall(k, Eq(e, 0)), s, int_range=range(-3, 4))
    # the same under a comprehension: shared and depending on the bound variable
    c: Term = Card(ho(i))
    for _ in range(64):
        c = c + c
    assert evaluate(Comprehension(i, c > 2 ** 64), struct(2, HO=[fs(0), fs(0, 1)])) == fs(1)


def test_compiled_term_is_reusable_across_structures() -> None:
    phi = Exists(v, count_of(v) > 2 * N / 3)
    program = compile_term(phi)
    assert program is compile_term(phi)
    results = [program.holds(struct(n, x=[0] * k + [1] * (n - k)))
               for n in range(1, 5) for k in range(n + 1)]
    assert results == [3 * max(k, n - k) > 2 * n for n in range(1, 5) for k in range(n + 1)]


# ---- a naive interpreter as an independent check of the compiled one --------------------------

def naive(t: Term, s: Structure, env: dict[Term, Any]) -> Any:
    """A direct, unmemoised reading of the semantics."""
    op, a = t.op, t.args

    def ev(u: Term) -> Any:
        return naive(u, s, env)

    def with_binding(var: Term, val: Any, body: Term) -> Any:
        return naive(body, s, {**env, var: val})

    def domain(sort: Any) -> list[Any]:
        if sort == PROC:
            return list(range(s.n))
        if sort == BOOL:
            return [False, True]
        if sort == SET_PROC:
            return [frozenset(p for p in range(s.n) if m >> p & 1) for m in range(1 << s.n)]
        return list(s.domains[sort])

    simple: dict[Op, Callable[[], Any]] = {
        Op.NPROCS: lambda: s.n, Op.INT_CONST: lambda: t.payload,
        Op.BOOL_CONST: lambda: t.payload, Op.EMPTY: lambda: frozenset(),
        Op.SUB: lambda: ev(a[0]) - ev(a[1]), Op.NEG: lambda: -ev(a[0]),
        Op.MUL: lambda: ev(a[0]) * ev(a[1]),
        Op.DIV: lambda: Fraction(ev(a[0])) / Fraction(ev(a[1])),
        Op.FLOORDIV: lambda: Fraction(ev(a[0])) // Fraction(ev(a[1])),
        Op.EQ: lambda: ev(a[0]) == ev(a[1]), Op.LT: lambda: ev(a[0]) < ev(a[1]),
        Op.LE: lambda: ev(a[0]) <= ev(a[1]), Op.GT: lambda: ev(a[0]) > ev(a[1]),
        Op.GE: lambda: ev(a[0]) >= ev(a[1]), Op.NOT: lambda: not ev(a[0]),
        Op.AND: lambda: all(ev(b) for b in a), Op.OR: lambda: any(ev(b) for b in a),
        Op.IMPLIES: lambda: (not ev(a[0])) or ev(a[1]), Op.IFF: lambda: ev(a[0]) == ev(a[1]),
        Op.ITE: lambda: ev(a[1]) if ev(a[0]) else ev(a[2]),
        Op.MEMBER: lambda: ev(a[0]) in ev(a[1]), Op.SUBSET: lambda: ev(a[0]) <= ev(a[1]),
        Op.UNION: lambda: ev(a[0]) | ev(a[1]), Op.INTER: lambda: ev(a[0]) & ev(a[1]),
        Op.DIFF: lambda: ev(a[0]) - ev(a[1]), Op.CARD: lambda: len(ev(a[0])),
        Op.ADD: lambda: sum(ev(b) for b in a),
        Op.APP: lambda: s.functions[t.payload][tuple(ev(b) for b in a)],
    }
    if op is Op.VAR:
        return env[t] if t in env else s.constants[t.payload]
    if op in simple:
        return simple[op]()
    if op is Op.COMPREHENSION:
        return frozenset(p for p in range(s.n) if with_binding(t.payload, p, a[0]))
    (var, *rest) = t.payload
    body = a[0] if not rest else (Forall if op is Op.FORALL else Exists)(rest, a[0])
    results = (with_binding(var, val, body) for val in domain(var.sort))
    return all(results) if op is Op.FORALL else any(results)


class RandomTerms:
    """Random well-sorted terms over x, HO, decided, ts and constants, with shared subterms."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.procs: list[Term] = [Var("c", PROC)]
        self.vals: list[Term] = [Var("v", VAL)]
        self.pool: list[Term] = []

    def proc(self) -> Term:
        return self.r.choice(self.procs)

    def val(self) -> Term:
        return x(self.proc()) if self.r.random() < 0.6 else self.r.choice(self.vals)

    def set_(self, d: int) -> Term:
        r = self.r.random()
        if d <= 0 or r < 0.3:
            return ho(self.proc())
        if r < 0.45:
            return self.r.choice([Union_, Inter, Diff])(self.set_(d - 1), self.set_(d - 1))
        if r < 0.5:
            return EMPTY
        var = Var(self.r.choice(["i", "j", "k"]), PROC)
        self.procs.append(var)
        body = self.formula(d - 1)
        self.procs.pop()
        return Comprehension(var, body)

    def arith(self, d: int) -> Term:
        r = self.r.random()
        if d <= 0 or r < 0.3:
            return Card(self.set_(d - 1)) if r < 0.2 else self.r.choice([N, IntConst(1)])
        if r < 0.5:
            return self.arith(d - 1) + self.arith(d - 1)
        if r < 0.6:
            return 2 * self.arith(d - 1)
        if r < 0.7:
            return self.arith(d - 1) / 3
        if r < 0.8:
            return FloorDiv(self.arith(d - 1), 2)
        return Card(self.set_(d - 1))

    def formula(self, d: int) -> Term:
        r = self.r.random()
        if self.pool and r < 0.1:
            shared = self.r.choice(self.pool)   # share subterms (when in scope here)
            if free_vars(shared) <= {*self.procs, *self.vals}:
                return shared
        if d <= 0 or r < 0.2:
            choice = self.r.randrange(4)
            if choice == 0:
                f = Eq(self.val(), self.val())
            elif choice == 1:
                f = App(DEC, self.proc())
            elif choice == 2:
                f = App(TS, self.proc()) < App(TS, self.proc())
            else:
                f = Member(self.proc(), self.set_(0))
        elif r < 0.35:
            f = self.r.choice([Gt, Ge, Eq])(self.arith(d - 1), self.arith(d - 1))
        elif r < 0.45:
            f = Not(self.formula(d - 1))
        elif r < 0.6:
            f = self.r.choice([And, Or, Implies, Iff])(self.formula(d - 1), self.formula(d - 1))
        elif r < 0.65:
            f = Subset(self.set_(d - 1), self.set_(d - 1))
        elif r < 0.7:
            f = Eq(self.set_(d - 1), self.set_(d - 1))
        else:
            q = self.r.choice([Forall, Exists])
            if self.r.random() < 0.75:
                var = Var(self.r.choice(["i", "j", "k"]), PROC)
                self.procs.append(var)
                body = self.formula(d - 1)
                self.procs.pop()
            else:
                var = Var(self.r.choice(["u", "w"]), VAL)
                self.vals.append(var)
                body = self.formula(d - 1)
                self.vals.pop()
            f = q(var, body)
        self.pool.append(f)
        return f


def random_structure(r: random.Random, n: int) -> Structure:
    return struct(n, x=[r.randrange(3) for _ in range(n)],
                  HO=[frozenset(p for p in range(n) if r.random() < 0.6) for _ in range(n)],
                  decided=[r.random() < 0.5 for _ in range(n)],
                  ts=[r.randrange(4) for _ in range(n)])


def test_compiled_evaluation_agrees_with_a_naive_interpreter() -> None:
    r = random.Random(7)
    c, val = Var("c", PROC), Var("v", VAL)
    checked = 0
    for seed in range(250):
        phi = RandomTerms(seed).formula(6)
        for n in (1, 2, 3):
            s = random_structure(r, n)
            env = {c: r.randrange(n), val: r.randrange(3)}
            assert holds(phi, s, env) == bool(naive(phi, s, dict(env))), (seed, n)
            checked += 1
    assert checked == 750


# ---- well-formedness of structures ------------------------------------------------------------

def test_check_structure_accepts_well_formed_structures() -> None:
    phi = Exists(v, count_of(v) > 2 * N / 3) & Forall(i, Card(ho(i)) > 0) & App(DEC, P[0])
    s = struct(3, x=[0, 1, 2], HO=[fs(0), fs(0, 1, 2), fs(2)], decided=[True, False, True])
    check_structure(phi, s)
    check_structure(phi, Structure(2, {VAL: (0, 1)}))      # missing tables are not its business


@pytest.mark.parametrize(("structure", "message"), [
    (Structure(0, {VAL: (0,)}), "at least one process"),
    (Structure(2), "no domain for the value sort Val"),
    (Structure(2, {VAL: (0, 0)}), "distinct ints"),
    (Structure(2, {VAL: (0, 1)}, {X: {(0,): 2}}), r"x\(0,\) = 2"),
    (Structure(2, {VAL: (0, 1)}, {X: {(5,): 0}}), "no argument tuple"),
    (Structure(2, {VAL: (0, 1)}, {HO: {(0,): fs(0, 2)}}), "Set"),
    (Structure(2, {VAL: (0, 1)}, {HO: {(0,): {0}}}), "Set"),
    (Structure(2, {VAL: (0, 1)}, {DEC: {(0,): 1}}), "Bool"),
    (Structure(2, {VAL: (0, 1)}, {}, {"p0": 2}), "'p0'"),
])
def test_check_structure_rejects_out_of_range_values(structure: Structure, message: str) -> None:
    phi = Exists(v, count_of(v) > 2 * N / 3) & Forall(i, Card(ho(i)) > 0) & App(DEC, P[0])
    with pytest.raises(EvaluationError, match=message):
        check_structure(phi, structure)


def test_check_structure_prefers_env() -> None:
    s = Structure(2, {}, {}, {"p0": 7})
    with pytest.raises(EvaluationError):
        check_structure(Eq(P[0], P[0]), s)
    check_structure(Eq(P[0], P[0]), s, {P[0]: 1})


# ---- integer quantifiers over the active domain -------------------------------------------------

def _x_structure(values: list[int]) -> tuple[Any, Structure]:
    from logic.parser import parse
    from logic.signature import Signature

    x = FunctionSymbol("x", (PROC,), INT)
    sig = Signature.build(functions=[x])
    s = Structure(len(values), {}, {x: {(p,): v for p, v in enumerate(values)}}, {})
    return (lambda text: parse(text, sig)), s


@pytest.mark.parametrize(("values", "text", "expected"), [
    ([1, 1, 2], "exists v: Int. |{i | x(i) = v}| > n/2", True),
    ([1, 2, 3], "exists v: Int. |{i | x(i) = v}| > n/2", False),
    ([1, 2, 3], "forall v: Int. |{i | x(i) = v}| <= 1", True),
    ([1, 1, 3], "forall v: Int. |{i | x(i) = v}| <= 1", False),
    # a value nobody holds: the fresh value outside the active domain stands for it
    ([1, 2, 3], "exists v: Int. |{i | x(i) = v}| = 0", True),
    ([1, 2, 3], "forall v: Int. exists i. x(i) = v", False),
    ([1, 2], "forall v: Int. (exists i. x(i) = v) -> |{i | x(i) = v}| = 1", True),
    # comparisons with applications and literals: one integer per order type
    ([1, 2], "forall v: Int. v < 5 or |{i | x(i) = v}| = 0", True),
    ([1, 7], "forall v: Int. v < 5 or |{i | x(i) = v}| = 0", False),
    ([1, 7], "exists v: Int. v > 1 and v < 7 and |{i | x(i) >= v}| = 1", True),
])
def test_generic_integer_quantifiers_are_evaluated_exactly(values: list[int], text: str,
                                                          expected: bool) -> None:
    parse, s = _x_structure(values)
    assert holds(parse(text), s) is expected


@pytest.mark.parametrize("text", [
    "exists v: Int. forall i. x(i) = v + 1",          # arithmetic on v: not generic
    "forall v: Int. forall w: Int. v = w",            # two bound integers compared
])
def test_non_generic_integer_quantifiers_still_need_a_range(text: str) -> None:
    parse, s = _x_structure([1, 2])
    with pytest.raises(UnsupportedError):
        holds(parse(text), s)


def test_integer_quantifier_used_only_in_comparisons_is_evaluated_exactly() -> None:
    """``exists t. |{i | ts(i) >= t}| > n/2 and t <= r``: ``t`` only meets applications,
    constants and literals in comparisons, so its order type relative to their values decides
    every atom; the evaluator tries one integer per order type, and agrees with a brute force
    over a wide range."""
    from logic.evaluate import evaluate as ev
    from logic.parser import parse
    from logic.signature import Signature
    from logic.sorts import INT, PROC, FunctionSymbol
    from logic.structure import Structure

    ts = FunctionSymbol("ts", (PROC,), INT)
    sig = Signature(functions={"ts": ts}, constants={"r": INT})
    f = parse("exists t. |{i | ts(i) >= t}| > n/2 and t <= r and t > 2", sig)
    seen = set()
    for table, r in [((3, 5, 5), 4), ((3, 5, 5), 2), ((1, 1, 7), 9), ((0, 9, 9), 3)]:
        s = Structure(3, {}, {ts: {(p,): x for p, x in enumerate(table)}}, {"r": r})
        value = ev(f, s)
        assert value == ev(f, s, int_range=range(-20, 21))
        seen.add(value)
    assert seen == {True, False}
