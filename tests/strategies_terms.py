"""Hypothesis strategies for random well-sorted terms over a small fixed signature.

``SIG`` declares::

    sort Val                 sort Ts ordered
    function x: Proc -> Val, y: Proc -> Int, d: Proc -> Bool, HO: Proc -> Set(Proc)
    function ts: Proc -> Ts, coord: Int -> Proc, f: Proc, Val -> Int, c: Val (no arguments)
    constant p: Proc, v, w: Val, k: Int, b: Bool, C: Set(Proc), t0: Ts
    versions old, init, next

``terms(sort, depth)`` draws terms of ``sort`` (bound variables of any sort, comprehensions,
versioned applications, n-ary And/Or/Add with nested groupings, negative literals, ...). Bound
variables are named from ``BINDER_NAMES`` (disjoint from the signature's names); an inner binder
with the name of an outer one hides it, so every drawn term can be written down unambiguously.

    from strategies_terms import SIG, terms, any_term   # tests/ is on sys.path under pytest
    @given(terms(BOOL))
    def test_something(t): ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hypothesis import strategies as st

from logic.signature import Signature
from logic.sorts import BOOL, INT, PROC, SET_PROC, FunctionSymbol, Sort, value_sort
from logic.terms import (
    EMPTY,
    FALSE,
    TRUE,
    Add,
    And,
    App,
    Card,
    Comprehension,
    Diff,
    Div,
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
    Le,
    Lt,
    Member,
    Mul,
    N,
    Neg,
    Not,
    Or,
    Sub,
    Subset,
    Term,
    Union_,
    Var,
)

VAL = value_sort("Val")
TS = value_sort("Ts", ordered=True)

X = FunctionSymbol("x", (PROC,), VAL)
Y = FunctionSymbol("y", (PROC,), INT)
D = FunctionSymbol("d", (PROC,), BOOL)
HO = FunctionSymbol("HO", (PROC,), SET_PROC)
TSF = FunctionSymbol("ts", (PROC,), TS)
COORD = FunctionSymbol("coord", (INT,), PROC)
F = FunctionSymbol("f", (PROC, VAL), INT)
C0 = FunctionSymbol("c", (), VAL)

SIG = Signature.build(
    sorts=[VAL, TS],
    constants={"p": PROC, "v": VAL, "w": VAL, "k": INT, "b": BOOL, "C": SET_PROC, "t0": TS},
    functions=[X, Y, D, HO, TSF, COORD, F, C0],
    versions=["old", "init", "next"],
)

SORTS: tuple[Sort, ...] = (PROC, VAL, INT, BOOL, SET_PROC, TS)
BINDER_NAMES: tuple[str, ...] = ("i", "j", "q", "u", "a", "S")
VERSIONS: tuple[str | None, ...] = (None, None, "old", "init", "next")

Draw = st.DrawFn
_Option = Callable[[Draw], Term]
_Scope = tuple[tuple[str, Term], ...]


def _const(name: str) -> Term:
    return SIG.constant(name)


def _options(sort: Sort, depth: int, scope: Mapping[str, Term]) -> list[_Option]:
    """Ways to draw a term of ``sort``: leaves first (hypothesis shrinks towards them)."""
    deeper = depth - 1
    sc: _Scope = tuple(scope.items())

    def sub(s: Sort, draw: Draw, extra: Mapping[str, Term] | None = None) -> Term:
        inner = sc if extra is None else tuple({**scope, **extra}.items())
        return draw(terms(s, deeper, inner))

    def app(f: FunctionSymbol) -> _Option:
        def make(draw: Draw) -> Term:
            version = draw(st.sampled_from(VERSIONS))
            sym = f.versioned(version) if isinstance(version, str) else f
            return App(sym, *(sub(s, draw) for s in f.domain))
        return make

    bound = [t for t in scope.values() if t.sort == sort]
    opts: list[_Option] = []
    if bound:
        opts.append(lambda draw: draw(st.sampled_from(bound)))
    if sort == PROC:
        opts.append(lambda draw: _const("p"))
    elif sort == VAL:
        opts += [lambda draw: _const(draw(st.sampled_from(["v", "w"]))),
                 app(C0)]
    elif sort == TS:
        opts.append(lambda draw: _const("t0"))
    elif sort == INT:
        opts += [lambda draw: IntConst(draw(st.integers(-5, 12))),
                 lambda draw: N, lambda draw: _const("k")]
    elif sort == BOOL:
        opts += [lambda draw: draw(st.sampled_from([TRUE, FALSE])),
                 lambda draw: _const("b")]
    elif sort == SET_PROC:
        opts += [lambda draw: _const("C"), lambda draw: EMPTY]
    if depth <= 0:
        return opts

    if sort == PROC:
        opts.append(app(COORD))
    elif sort == VAL:
        opts.append(app(X))
    elif sort == TS:
        opts.append(app(TSF))
    elif sort == INT:
        opts += [
            app(Y), app(F),
            lambda draw: Card(sub(SET_PROC, draw)),
            lambda draw: Add(*(sub(INT, draw) for _ in range(draw(st.integers(2, 3))))),
            lambda draw: Sub(sub(INT, draw), sub(INT, draw)),
            lambda draw: Neg(sub(INT, draw)),
            lambda draw: Mul(sub(INT, draw), sub(INT, draw)),
            lambda draw: (Div if draw(st.booleans()) else FloorDiv)(
                sub(INT, draw), _divisor(draw)),
        ]
    elif sort == BOOL:
        opts += [
            app(D),
            lambda draw: _equality(draw, sub),
            lambda draw: _comparison(draw, sub),
            lambda draw: Not(sub(BOOL, draw)),
            lambda draw: (And if draw(st.booleans()) else Or)(
                *(sub(BOOL, draw) for _ in range(draw(st.integers(2, 3))))),
            lambda draw: Implies(sub(BOOL, draw), sub(BOOL, draw)),
            lambda draw: Iff(sub(BOOL, draw), sub(BOOL, draw)),
            lambda draw: Member(sub(PROC, draw), sub(SET_PROC, draw)),
            lambda draw: Subset(sub(SET_PROC, draw), sub(SET_PROC, draw)),
            lambda draw: _quantifier(draw, scope, deeper),
            lambda draw: _guarded_quantifier(draw, scope, deeper),
        ]
    elif sort == SET_PROC:
        opts += [
            app(HO),
            lambda draw: draw(st.sampled_from([Union_, Inter, Diff]))(
                sub(SET_PROC, draw), sub(SET_PROC, draw)),
            lambda draw: _comprehension(draw, scope, deeper),
        ]
    opts.append(lambda draw: Ite(sub(BOOL, draw), sub(sort, draw), sub(sort, draw)))
    return opts


def _divisor(draw: Draw) -> Term:
    c = IntConst(draw(st.integers(1, 5)))
    return Neg(c) if draw(st.booleans()) else c


def _equality(draw: Draw, sub: Callable[[Sort, Draw], Term]) -> Term:
    s: Sort = draw(st.sampled_from(SORTS))
    return Eq(sub(s, draw), sub(s, draw))


def _comparison(draw: Draw, sub: Callable[[Sort, Draw], Term]) -> Term:
    s: Sort = draw(st.sampled_from([INT, TS]))
    op = draw(st.sampled_from([Lt, Le, Gt, Ge]))
    return op(sub(s, draw), sub(s, draw))


def _bind(scope: Mapping[str, Term], new: list[Term]) -> _Scope:
    inner = {k: v for k, v in scope.items() if k not in {str(t.payload) for t in new}}
    inner.update((str(t.payload), t) for t in new)
    return tuple(inner.items())


def _quantifier(draw: Draw, scope: Mapping[str, Term], depth: int) -> Term:
    names: list[str] = draw(st.lists(st.sampled_from(BINDER_NAMES), min_size=1, max_size=3,
                                     unique=True))
    vs = [Var(name, draw(st.sampled_from(SORTS))) for name in names]
    body: Term = draw(terms(BOOL, depth, _bind(scope, vs)))
    return (Forall if draw(st.booleans()) else Exists)(vs, body)


def _guarded_quantifier(draw: Draw, scope: Mapping[str, Term], depth: int) -> Term:
    """``forall i. i in S -> φ`` / ``exists i. i in S and φ`` (printed ``forall i in S. φ``)."""
    v = Var(draw(st.sampled_from(BINDER_NAMES)), PROC)
    s: Term = draw(terms(SET_PROC, depth, tuple(scope.items())))
    guard = Member(v, s) if draw(st.booleans()) else Not(Member(v, s))
    body: Term = draw(terms(BOOL, depth, _bind(scope, [v])))
    if draw(st.booleans()):
        return Forall(v, Implies(guard, body))
    return Exists(v, And(guard, body))


def _comprehension(draw: Draw, scope: Mapping[str, Term], depth: int) -> Term:
    v = Var(draw(st.sampled_from(BINDER_NAMES)), PROC)
    body: Term = draw(terms(BOOL, depth, _bind(scope, [v])))
    if draw(st.booleans()):
        s: Term = draw(terms(SET_PROC, depth, tuple(scope.items())))
        body = And(Member(v, s), body)
    return Comprehension(v, body)


@st.composite
def _term(draw: Draw, sort: Sort, depth: int, scope: _Scope) -> Term:
    options = _options(sort, depth, dict(scope))
    make: _Option = draw(st.sampled_from(options))
    return make(draw)


def terms(sort: Sort = BOOL, depth: int = 3, scope: _Scope = ()) -> st.SearchStrategy[Term]:
    """Well-sorted terms of ``sort`` over ``SIG`` of nesting at most about ``depth``."""
    return _term(sort, depth, scope)


def any_term(depth: int = 3) -> st.SearchStrategy[Term]:
    """Terms of any sort of ``SORTS``."""
    return st.sampled_from(SORTS).flatmap(lambda s: terms(s, depth))
