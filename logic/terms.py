"""Immutable, hash-consed term nodes of the cardinality logic.

Every term is built through the constructor functions of this module (``Var``, ``App``, ``Card``,
``Comprehension``, ...). Construction checks sorts and *interns* the node: two structurally equal
terms are the same Python object, so equality is identity, hashing is O(1), and walkers can memoise
on nodes. Terms pickle by reconstruction, so interning survives process pools.

Python operators build terms for programmatic use: ``a + b``, ``2 * n``, ``a < b``, ``~p``,
``p & q``, ``p | q`` on formulas, and ``A | B``, ``A & B``, ``A - B`` on sets. ``==`` is *not*
overloaded (it is structural identity); use :func:`Eq` or ``t.eq(u)``.
"""

from __future__ import annotations

import enum
import itertools
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

from logic.errors import SortError
from logic.sorts import BOOL, INT, PROC, SET_PROC, FunctionSymbol, Sort


class Op(enum.Enum):
    # members are singletons compared by identity: hash them so too (Enum's own __hash__ hashes
    # the member's name, in Python, on every use: every term node is keyed by its op)
    __hash__ = object.__hash__

    # leaves
    VAR = "var"            # payload: name; sort given
    NPROCS = "n"           # the number of processes
    INT_CONST = "int"      # payload: int
    BOOL_CONST = "bool"    # payload: bool
    EMPTY = "empty"        # the empty set of processes
    # applications
    APP = "app"            # payload: FunctionSymbol
    # arithmetic (Int); DIV is exact division by a non-zero constant, FLOORDIV floor division
    ADD = "+"
    SUB = "-"
    NEG = "neg"
    MUL = "*"
    DIV = "/"
    FLOORDIV = "//"
    # comparisons
    EQ = "="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    # boolean structure
    NOT = "not"
    AND = "and"
    OR = "or"
    IMPLIES = "->"
    IFF = "<->"
    ITE = "ite"
    FORALL = "forall"      # payload: tuple of bound Var terms
    EXISTS = "exists"      # payload: tuple of bound Var terms
    # sets of processes
    COMPREHENSION = "comp"  # payload: the bound Proc variable
    MEMBER = "in"
    SUBSET = "subset"
    UNION = "union"
    INTER = "inter"
    DIFF = "diff"
    CARD = "card"


ARITH_OPS = frozenset({Op.ADD, Op.SUB, Op.NEG, Op.MUL, Op.DIV, Op.FLOORDIV})
COMPARISONS = frozenset({Op.LT, Op.LE, Op.GT, Op.GE})
QUANTIFIERS = frozenset({Op.FORALL, Op.EXISTS})
BINDERS = frozenset({Op.FORALL, Op.EXISTS, Op.COMPREHENSION})
SET_OPS = frozenset({Op.UNION, Op.INTER, Op.DIFF})

_Key = tuple[Any, ...]


class Term:
    """A node of the term DAG. Never instantiate directly: use the constructors below."""

    __slots__ = ("op", "args", "payload", "sort", "__weakref__")

    op: Op
    args: tuple[Term, ...]
    payload: Any
    sort: Sort

    def __init__(self, op: Op, args: tuple[Term, ...], payload: Any, sort: Sort) -> None:
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "payload", payload)
        object.__setattr__(self, "sort", sort)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("terms are immutable")

    # terms are hash-consed (one node per structure, see _make): equality is identity, and so is
    # the hash; both are object's own (C slots: terms key every memo table of the reduction)
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __reduce__(self) -> tuple[Callable[..., Term], tuple[Any, ...]]:
        return (_make, (self.op, self.args, self.payload, self.sort))

    def __bool__(self) -> bool:
        raise TypeError("a term has no truth value in Python: build formulas with "
                        "And/Or/Not (or & | ~) and decide them with logic.check")

    # ---- inspection -------------------------------------------------------------------------
    @property
    def is_formula(self) -> bool:
        return self.sort is BOOL

    @property
    def name(self) -> str:
        if self.op is Op.VAR:
            return str(self.payload)
        if self.op is Op.APP:
            return self.payload.display_name  # type: ignore[no-any-return]
        raise AttributeError(f"a {self.op.value} term has no name")

    @property
    def symbol(self) -> FunctionSymbol:
        if self.op is not Op.APP:
            raise AttributeError(f"a {self.op.value} term has no function symbol")
        return self.payload  # type: ignore[no-any-return]

    @property
    def bound_vars(self) -> tuple[Term, ...]:
        if self.op in QUANTIFIERS:
            return self.payload  # type: ignore[no-any-return]
        if self.op is Op.COMPREHENSION:
            return (self.payload,)
        return ()

    @property
    def value(self) -> Any:
        if self.op in (Op.INT_CONST, Op.BOOL_CONST):
            return self.payload
        raise AttributeError(f"a {self.op.value} term is not a constant")

    def __repr__(self) -> str:
        from logic.printer import to_text
        return f"<{self.sort}: {to_text(self)}>"

    def __str__(self) -> str:
        from logic.printer import to_text
        return to_text(self)

    def _repr_latex_(self) -> str:
        from logic.printer import to_latex
        return f"${to_latex(self)}$"

    # ---- operators (sugar over the constructors) ----------------------------------------------
    def eq(self, other: TermLike) -> Term:
        return Eq(self, other)

    def neq(self, other: TermLike) -> Term:
        return Not(Eq(self, other))

    def __add__(self, o: TermLike) -> Term:
        return Add(self, o)

    def __radd__(self, o: TermLike) -> Term:
        return Add(o, self)

    def __sub__(self, o: TermLike) -> Term:
        if self.sort.is_set:
            return Diff(self, _coerce(o))
        return Sub(self, o)

    def __rsub__(self, o: TermLike) -> Term:
        return Sub(o, self)

    def __mul__(self, o: TermLike) -> Term:
        return Mul(self, o)

    def __rmul__(self, o: TermLike) -> Term:
        return Mul(o, self)

    def __truediv__(self, o: TermLike) -> Term:
        return Div(self, o)

    def __floordiv__(self, o: TermLike) -> Term:
        return FloorDiv(self, o)

    def __neg__(self) -> Term:
        return Neg(self)

    def __lt__(self, o: TermLike) -> Term:
        return Lt(self, o)

    def __le__(self, o: TermLike) -> Term:
        return Le(self, o)

    def __gt__(self, o: TermLike) -> Term:
        return Gt(self, o)

    def __ge__(self, o: TermLike) -> Term:
        return Ge(self, o)

    def __invert__(self) -> Term:
        return Not(self)

    def __and__(self, o: TermLike) -> Term:
        if self.sort.is_set:
            return Inter(self, _coerce(o))
        return And(self, o)

    def __or__(self, o: TermLike) -> Term:
        if self.sort.is_set:
            return Union_(self, _coerce(o))
        return Or(self, o)

    def __rshift__(self, o: TermLike) -> Term:
        return Implies(self, o)

    def __call__(self, *args: TermLike) -> Term:
        raise TypeError("terms are not callable; apply a FunctionSymbol with App(f, ...)")

    def __iter__(self) -> Iterator[Term]:
        raise TypeError("terms are not iterable; use t.args")


TermLike = Term | int | bool

#: the hash-consing table: each structure's node, held weakly. Plain weak references (C calls)
#: rather than a ``WeakValueDictionary``, whose Python-level ``get`` and keyed references cost
#: more than the rest of making a node; the entries of nodes that have died are swept out when
#: the table has doubled since the last sweep (an entry is taken over by a new node with its
#: structure at once: two live nodes never have the same structure)
_TABLE: dict[_Key, weakref.ReferenceType[Term]] = {}
_SWEEP_MIN = 1 << 16
_sweep_at = _SWEEP_MIN


def _make(op: Op, args: tuple[Term, ...], payload: Any, sort: Sort) -> Term:
    key = (op, args, payload, sort)
    ref = _TABLE.get(key)
    if ref is not None:
        t = ref()
        if t is not None:
            return t
    t = Term(op, args, payload, sort)
    _TABLE[key] = weakref.ref(t)
    if len(_TABLE) > _sweep_at:
        _sweep()
    return t


def _sweep() -> None:
    """Drop the entries of dead nodes (their keys hold their children: those die in turn, and
    go at a later sweep)."""
    global _sweep_at
    for key, ref in list(_TABLE.items()):
        # (an entry taken over by a new node since the copy is not this dead one)
        if ref() is None and _TABLE.get(key) is ref:
            del _TABLE[key]
    _sweep_at = max(_SWEEP_MIN, 2 * len(_TABLE))


def _coerce(x: TermLike) -> Term:
    if isinstance(x, Term):
        return x
    if isinstance(x, bool):
        return BoolConst(x)
    if isinstance(x, int):
        return IntConst(x)
    raise SortError(f"cannot make a term of {type(x).__name__} {x!r}: expected a Term, an int "
                    f"or a bool")


def _expect(t: Term, sort: Sort, what: str) -> None:
    if t.sort != sort:
        raise SortError(f"{what}: expected a term of sort {sort}, found {t.sort}")


def _expect_arith(t: Term, what: str) -> None:
    if not t.sort.is_arith:
        raise SortError(f"{what}: expected an integer term, found sort {t.sort}")


# ---- leaves ------------------------------------------------------------------------------------

def Var(name: str, sort: Sort) -> Term:
    """A variable (free: a constant of the formula; or bound by a quantifier/comprehension)."""
    if not isinstance(name, str) or not name:
        raise SortError("a variable needs a non-empty name")
    return _make(Op.VAR, (), name, sort)


def IntConst(value: int) -> Term:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SortError(f"expected an int constant, found {value!r}")
    return _make(Op.INT_CONST, (), value, INT)


def BoolConst(value: bool) -> Term:
    return _make(Op.BOOL_CONST, (), bool(value), BOOL)


TRUE = BoolConst(True)
FALSE = BoolConst(False)
N = _make(Op.NPROCS, (), None, INT)
EMPTY = _make(Op.EMPTY, (), None, SET_PROC)


def App(symbol: FunctionSymbol, *args: TermLike) -> Term:
    targs = tuple(_coerce(a) for a in args)
    if len(targs) != symbol.arity:
        raise SortError(f"{symbol.display_name} takes {symbol.arity} argument(s), "
                        f"given {len(targs)}")
    for i, (a, s) in enumerate(zip(targs, symbol.domain), start=1):
        if a.sort != s:
            raise SortError(f"argument {i} of {symbol.display_name}: expected sort {s}, "
                            f"found {a.sort}")
    return _make(Op.APP, targs, symbol, symbol.codomain)


# ---- arithmetic --------------------------------------------------------------------------------

def Add(*args: TermLike) -> Term:
    targs = tuple(_coerce(a) for a in args)
    if len(targs) < 2:
        raise SortError("+ needs at least two operands")
    for a in targs:
        _expect_arith(a, "operand of +")
    return _make(Op.ADD, targs, None, INT)


def Sub(a: TermLike, b: TermLike) -> Term:
    ta, tb = _coerce(a), _coerce(b)
    _expect_arith(ta, "left operand of -")
    _expect_arith(tb, "right operand of -")
    return _make(Op.SUB, (ta, tb), None, INT)


def Neg(a: TermLike) -> Term:
    ta = _coerce(a)
    _expect_arith(ta, "operand of unary -")
    return _make(Op.NEG, (ta,), None, INT)


def Mul(a: TermLike, b: TermLike) -> Term:
    """Multiplication; the decision procedure needs one side to be a constant (linear)."""
    ta, tb = _coerce(a), _coerce(b)
    _expect_arith(ta, "left operand of *")
    _expect_arith(tb, "right operand of *")
    return _make(Op.MUL, (ta, tb), None, INT)


def _constant_divisor(b: Term, what: str) -> None:
    _expect_arith(b, f"divisor of {what}")
    c = constant_value(b)
    if c is None:
        raise SortError(f"the divisor of {what} must be an integer constant, like 2*n/3")
    if c == 0:
        raise SortError(f"division by zero in {what}")


def Div(a: TermLike, b: TermLike) -> Term:
    """Exact (rational) division by a non-zero constant: ``2*n/3`` is two thirds of n."""
    ta, tb = _coerce(a), _coerce(b)
    _expect_arith(ta, "dividend of /")
    _constant_divisor(tb, "/")
    return _make(Op.DIV, (ta, tb), None, INT)


def FloorDiv(a: TermLike, b: TermLike) -> Term:
    """Floor division by a non-zero constant, as Python's ``//``."""
    ta, tb = _coerce(a), _coerce(b)
    _expect_arith(ta, "dividend of //")
    _constant_divisor(tb, "//")
    return _make(Op.FLOORDIV, (ta, tb), None, INT)


def constant_value(t: Term) -> Fraction | None:
    """The rational value of a closed arithmetic term built from constants, else ``None``."""
    op = t.op
    if op is Op.INT_CONST:
        return Fraction(t.payload)
    if op is Op.NEG:
        v = constant_value(t.args[0])
        return None if v is None else -v
    if op in (Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.FLOORDIV):
        vals = [constant_value(a) for a in t.args]
        if any(v is None for v in vals):
            return None
        vs: list[Fraction] = [v for v in vals if v is not None]
        if op is Op.ADD:
            return sum(vs, Fraction(0))
        if op is Op.SUB:
            return vs[0] - vs[1]
        if op is Op.MUL:
            return vs[0] * vs[1]
        if vs[1] == 0:
            return None
        if op is Op.DIV:
            return vs[0] / vs[1]
        return Fraction(vs[0] // vs[1])
    return None


# ---- comparisons and equality ------------------------------------------------------------------

def Eq(a: TermLike, b: TermLike) -> Term:
    ta, tb = _coerce(a), _coerce(b)
    if ta.sort != tb.sort:
        raise SortError(f"= compares terms of one sort, found {ta.sort} and {tb.sort}")
    return _make(Op.EQ, (ta, tb), None, BOOL)


def _comparison(op: Op, a: TermLike, b: TermLike) -> Term:
    ta, tb = _coerce(a), _coerce(b)
    if ta.sort != tb.sort or not ta.sort.is_comparable:
        raise SortError(f"{op.value} compares two integers or two values of one ordered sort, "
                        f"found {ta.sort} and {tb.sort}")
    return _make(op, (ta, tb), None, BOOL)


def Lt(a: TermLike, b: TermLike) -> Term:
    return _comparison(Op.LT, a, b)


def Le(a: TermLike, b: TermLike) -> Term:
    return _comparison(Op.LE, a, b)


def Gt(a: TermLike, b: TermLike) -> Term:
    return _comparison(Op.GT, a, b)


def Ge(a: TermLike, b: TermLike) -> Term:
    return _comparison(Op.GE, a, b)


# ---- boolean structure -------------------------------------------------------------------------

def Not(a: TermLike) -> Term:
    ta = _coerce(a)
    _expect(ta, BOOL, "operand of not")
    return _make(Op.NOT, (ta,), None, BOOL)


def _nary_bool(op: Op, args: tuple[TermLike, ...]) -> Term:
    targs: list[Term] = []
    for a in args:
        if isinstance(a, (list, tuple)):
            targs.extend(_coerce(x) for x in a)
        else:
            targs.append(_coerce(a))
    for a in targs:
        _expect(a, BOOL, f"operand of {op.value}")
    if not targs:
        return TRUE if op is Op.AND else FALSE
    if len(targs) == 1:
        return targs[0]
    return _make(op, tuple(targs), None, BOOL)


def And(*args: Any) -> Term:
    """Conjunction; ``And()`` is true, ``And(p)`` is ``p``; lists are spliced."""
    return _nary_bool(Op.AND, args)


def Or(*args: Any) -> Term:
    """Disjunction; ``Or()`` is false, ``Or(p)`` is ``p``; lists are spliced."""
    return _nary_bool(Op.OR, args)


def Implies(a: TermLike, b: TermLike) -> Term:
    ta, tb = _coerce(a), _coerce(b)
    _expect(ta, BOOL, "premise of ->")
    _expect(tb, BOOL, "conclusion of ->")
    return _make(Op.IMPLIES, (ta, tb), None, BOOL)


def Iff(a: TermLike, b: TermLike) -> Term:
    ta, tb = _coerce(a), _coerce(b)
    _expect(ta, BOOL, "left side of <->")
    _expect(tb, BOOL, "right side of <->")
    return _make(Op.IFF, (ta, tb), None, BOOL)


def Ite(c: TermLike, a: TermLike, b: TermLike) -> Term:
    tc, ta, tb = _coerce(c), _coerce(a), _coerce(b)
    _expect(tc, BOOL, "condition of if-then-else")
    if ta.sort != tb.sort:
        raise SortError(f"the branches of if-then-else must have one sort, found {ta.sort} and "
                        f"{tb.sort}")
    return _make(Op.ITE, (tc, ta, tb), None, ta.sort)


def _binder_vars(vs: Term | Iterable[Term]) -> tuple[Term, ...]:
    tvs = (vs,) if isinstance(vs, Term) else tuple(vs)
    if not tvs:
        raise SortError("a quantifier needs at least one bound variable")
    for v in tvs:
        if not isinstance(v, Term) or v.op is not Op.VAR:
            raise SortError(f"a quantifier binds variables, found {v!r}")
    if len(set(tvs)) != len(tvs):
        raise SortError("a quantifier binds each variable once")
    return tvs


def Forall(vs: Term | Iterable[Term], body: TermLike) -> Term:
    tb = _coerce(body)
    _expect(tb, BOOL, "body of forall")
    return _make(Op.FORALL, (tb,), _binder_vars(vs), BOOL)


def Exists(vs: Term | Iterable[Term], body: TermLike) -> Term:
    tb = _coerce(body)
    _expect(tb, BOOL, "body of exists")
    return _make(Op.EXISTS, (tb,), _binder_vars(vs), BOOL)


# ---- sets --------------------------------------------------------------------------------------

def Comprehension(v: Term, body: TermLike) -> Term:
    """``{v | body}``: the set of processes ``v`` satisfying ``body``."""
    tb = _coerce(body)
    if not isinstance(v, Term) or v.op is not Op.VAR or v.sort != PROC:
        raise SortError(f"a set comprehension binds a variable of sort Proc, found {v!r}")
    _expect(tb, BOOL, "body of a set comprehension")
    return _make(Op.COMPREHENSION, (tb,), v, SET_PROC)


def Member(e: TermLike, s: TermLike) -> Term:
    te, ts = _coerce(e), _coerce(s)
    _expect(te, PROC, "element of 'in'")
    _expect(ts, SET_PROC, "set of 'in'")
    return _make(Op.MEMBER, (te, ts), None, BOOL)


def Subset(a: TermLike, b: TermLike) -> Term:
    ta, tb = _coerce(a), _coerce(b)
    _expect(ta, SET_PROC, "left side of subset")
    _expect(tb, SET_PROC, "right side of subset")
    return _make(Op.SUBSET, (ta, tb), None, BOOL)


def _set_binop(op: Op, a: TermLike, b: TermLike) -> Term:
    ta, tb = _coerce(a), _coerce(b)
    _expect(ta, SET_PROC, f"left operand of {op.value}")
    _expect(tb, SET_PROC, f"right operand of {op.value}")
    return _make(op, (ta, tb), None, SET_PROC)


def Union_(a: TermLike, b: TermLike) -> Term:
    return _set_binop(Op.UNION, a, b)


def Inter(a: TermLike, b: TermLike) -> Term:
    return _set_binop(Op.INTER, a, b)


def Diff(a: TermLike, b: TermLike) -> Term:
    return _set_binop(Op.DIFF, a, b)


def Card(s: TermLike) -> Term:
    ts = _coerce(s)
    _expect(ts, SET_PROC, "argument of |...|")
    return _make(Op.CARD, (ts,), None, INT)


# ---- generic construction and traversal ------------------------------------------------------

def rebuild(t: Term, args: tuple[Term, ...], payload: Any = None) -> Term:
    """``t`` with new children (and, for binders, a new payload), sort-checked again."""
    op = t.op
    if payload is None:
        payload = t.payload
    if op in (Op.VAR, Op.NPROCS, Op.INT_CONST, Op.BOOL_CONST, Op.EMPTY):
        return t
    if op is Op.APP:
        return App(payload, *args)
    if op in QUANTIFIERS:
        return (Forall if op is Op.FORALL else Exists)(payload, args[0])
    if op is Op.COMPREHENSION:
        return Comprehension(payload, args[0])
    ctor = _CTORS[op]
    return ctor(*args)


_CTORS: dict[Op, Callable[..., Term]] = {
    Op.ADD: Add, Op.SUB: Sub, Op.NEG: Neg, Op.MUL: Mul, Op.DIV: Div, Op.FLOORDIV: FloorDiv,
    Op.EQ: Eq, Op.LT: Lt, Op.LE: Le, Op.GT: Gt, Op.GE: Ge,
    Op.NOT: Not, Op.AND: And, Op.OR: Or, Op.IMPLIES: Implies, Op.IFF: Iff, Op.ITE: Ite,
    Op.MEMBER: Member, Op.SUBSET: Subset, Op.UNION: Union_, Op.INTER: Inter, Op.DIFF: Diff,
    Op.CARD: Card,
}


def subterms(t: Term) -> Iterator[Term]:
    """Every distinct subterm of ``t`` (bound variables included), each once, children first."""
    seen: set[Term] = set()
    stack: list[tuple[Term, bool]] = [(t, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for a in reversed(node.args):
            if a not in seen:
                stack.append((a, False))


_FV_MEMO: weakref.WeakKeyDictionary[Term, frozenset[Term]] = weakref.WeakKeyDictionary()


def free_vars(t: Term) -> frozenset[Term]:
    """The free variables of ``t`` (memoised per node)."""
    cached = _FV_MEMO.get(t)
    if cached is not None:
        return cached
    if t.op is Op.VAR:
        result = frozenset((t,))
    else:
        acc: set[Term] = set()
        for a in t.args:
            acc |= free_vars(a)
        if t.op in BINDERS:
            acc -= set(t.bound_vars)
        result = frozenset(acc)
    _FV_MEMO[t] = result
    return result


def symbols(t: Term) -> frozenset[FunctionSymbol]:
    """The function symbols applied in ``t``."""
    return frozenset(s.payload for s in subterms(t) if s.op is Op.APP)


_fresh_counter = itertools.count()


def fresh_var(base: str, sort: Sort, avoid: Iterable[Term] = ()) -> Term:
    """A variable named after ``base`` that occurs nowhere in ``avoid`` (nor was made before)."""
    taken = {v.payload for a in avoid for v in subterms(a) if v.op is Op.VAR}
    while True:
        name = f"{base}!{next(_fresh_counter)}"
        if name not in taken:
            return Var(name, sort)


def substitute(t: Term, mapping: Mapping[Term, Term]) -> Term:
    """Capture-avoiding simultaneous substitution of free variables (or any subterms).

    Keys are usually variables. Bound variables that would capture a free variable of a
    substituted term are renamed.
    """
    if not mapping:
        return t
    for k, v in mapping.items():
        if k.sort != v.sort:
            raise SortError(f"cannot substitute a {v.sort} term for {k} of sort {k.sort}")
    incoming: set[Term] = set()
    for v in mapping.values():
        incoming |= free_vars(v)
    memo: dict[Term, Term] = {}

    def go(node: Term, m: Mapping[Term, Term]) -> Term:
        hit = m.get(node)
        if hit is not None:
            return hit
        if not node.args:
            return node
        if m is mapping:
            cached = memo.get(node)
            if cached is not None:
                return cached
        if node.op in BINDERS:
            bound = node.bound_vars
            inner = {k: v for k, v in m.items() if k not in bound}
            new_bound: list[Term] = []
            for b in bound:
                if b in incoming:
                    nb = fresh_var(b.payload.split("!")[0], b.sort)
                    inner[b] = nb
                    new_bound.append(nb)
                else:
                    new_bound.append(b)
            body = go(node.args[0], inner) if inner else node.args[0]
            payload: Any = tuple(new_bound) if node.op in QUANTIFIERS else new_bound[0]
            result = rebuild(node, (body,), payload)
        else:
            new_args = tuple(go(a, m) for a in node.args)
            # a substitution keeps every sort (checked above) and the constructors only check
            # sorts: the node with its new children is made directly
            result = node if new_args == node.args else _make(node.op, new_args, node.payload,
                                                               node.sort)
        if m is mapping:
            memo[node] = result
        return result

    return go(t, mapping)


class Template:
    """``t`` as a function of the variables ``keys``: ``template(values)`` is
    ``substitute(t, dict(zip(keys, values)))``, computed over the subterms of ``t`` that mention
    a key only (children first, each once), where :func:`substitute` visits all of ``t`` on every
    call. Made once, applied many times: a clause's matrix, instantiated on every combination of
    terms. Where a binder of ``t`` rebinds a key, or would capture a free variable of a value,
    the call is :func:`substitute` itself (which renames)."""

    __slots__ = ("term", "keys", "steps", "binders", "shadowed")

    def __init__(self, t: Term, keys: Sequence[Term]) -> None:
        self.term = t
        self.keys = tuple(keys)
        wanted = frozenset(self.keys)
        steps: list[Term] = []
        bound: set[Term] = set()
        for node in subterms(t):
            if node.op in BINDERS:
                bound.update(node.bound_vars)
            if node.args and free_vars(node) & wanted:
                steps.append(node)
        self.steps = tuple(steps)
        self.binders = frozenset(bound)
        self.shadowed = bool(self.binders & wanted)

    def __call__(self, values: Sequence[Term]) -> Term:
        mapping = dict(zip(self.keys, values, strict=True))
        for k, v in mapping.items():
            if k.sort != v.sort:
                raise SortError(f"cannot substitute a {v.sort} term for {k} of sort {k.sort}")
        if self.shadowed or (self.binders and any(free_vars(v) & self.binders
                                                  for v in values)):
            return substitute(self.term, mapping)
        done: dict[Term, Term] = mapping
        get = done.get
        for node in self.steps:
            # sorts are kept (checked above) and the constructors only check sorts: the node
            # with its new children is made directly, as substitute does
            done[node] = _make(node.op, tuple([get(a, a) for a in node.args]), node.payload,
                               node.sort)
        return get(self.term, self.term)


def conjuncts(t: Term) -> list[Term]:
    """The top-level conjuncts of ``t`` (``t`` itself if it is not a conjunction)."""
    if t.op is Op.AND:
        out: list[Term] = []
        for a in t.args:
            out.extend(conjuncts(a))
        return out
    if t is TRUE:
        return []
    return [t]
