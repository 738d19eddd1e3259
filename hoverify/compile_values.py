"""Typed symbolic values for the compiler: what a Python expression of a model denotes in the logic.

A :class:`Val` is the compile-time image of one Python value: its static type (:class:`Ty`), a term
for its value and a formula ``defined`` that is false exactly when the Python value is ``None``.

Encoding of ``None`` (the undefined value ``?``): an optional local ``x: T | None`` is two function
symbols, ``x: Proc -> T`` and ``x_def: Proc -> Bool``; ``x(p)`` is meaningful only where
``x_def(p)`` holds (elsewhere it is unconstrained, except that an unchanged local keeps both). So a
value of an optional type is the pair ``(defined, term)``; the literal ``None`` is
``(false, -)``. Python's ``==`` on optional values is ``(¬a.d ∧ ¬b.d) ∨ (a.d ∧ b.d ∧ a = b)``, and
the payload order of :mod:`hoverify.mailbox` (``None`` below every value; ``False < True``; tuples
lexicographically) is :func:`lt`/:func:`le`.

Tuples (message payloads such as ``(x, ts)``) are a ``Val`` with ``items``, one ``Val`` per
component, and their own ``defined`` (a received tuple may be ``None``: ``mbox.min()`` on an empty
mailbox).

The ``mk_*`` constructors fold constants (``TRUE``/``FALSE``) and repeated arguments so that the
relations stay small and readable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from logic.sorts import BOOL, INT, PROC, Sort
from logic.terms import (
    FALSE,
    TRUE,
    And,
    Eq,
    Iff,
    Implies,
    Ite,
    Le,
    Lt,
    Not,
    Op,
    Or,
    Term,
    substitute,
)

# ---- types ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ty:
    """A static type: ``kind`` is ``int``, ``rat`` (a quotient of ``/``), ``bool``, ``proc``,
    ``value`` (a ValueType, ``vsort`` its sort), ``none`` (the literal ``None``) or ``tuple``
    (``items``); ``optional`` for ``T | None``."""

    kind: str
    optional: bool = False
    items: tuple[Ty, ...] = ()
    vsort: Sort | None = field(default=None, compare=True)

    @property
    def sort(self) -> Sort:
        """The logic sort of a scalar of this type."""
        if self.kind in ("int", "rat"):
            return INT
        if self.kind == "bool":
            return BOOL
        if self.kind == "proc":
            return PROC
        if self.kind == "value":
            assert self.vsort is not None
            return self.vsort
        raise TypeError(f"no sort for type {self.show()}")

    @property
    def scalar(self) -> bool:
        return self.kind not in ("tuple", "none")

    def opt(self) -> Ty:
        return Ty(self.kind, True, self.items, self.vsort)

    def strict(self) -> Ty:
        return Ty(self.kind, False, self.items, self.vsort)

    def show(self) -> str:
        if self.kind == "none":
            return "None"
        if self.kind == "tuple":
            base = "(" + ", ".join(t.show() for t in self.items) + ")"
        elif self.kind == "value":
            base = self.vsort.name if self.vsort is not None else "value"
        elif self.kind == "rat":
            base = "rational (a quotient of /)"
        else:
            base = self.kind
        return f"{base} | None" if self.optional else base


INT_T = Ty("int")
RAT_T = Ty("rat")
BOOL_T = Ty("bool")
PROC_T = Ty("proc")
NONE_T = Ty("none", True)


class TypeClash(Exception):
    """Two types that cannot be combined (the caller turns it into a located CompileError)."""


def unify(a: Ty, b: Ty) -> Ty:
    """The type of a value that is either an ``a`` or a ``b`` (branches, payload cases)."""
    if a == b:
        return a
    if a.kind == "none":
        return b.opt()
    if b.kind == "none":
        return a.opt()
    opt = a.optional or b.optional
    if a.kind == "tuple" and b.kind == "tuple":
        if len(a.items) != len(b.items):
            raise TypeClash(f"tuples of length {len(a.items)} and {len(b.items)}")
        return Ty("tuple", opt, tuple(unify(x, y) for x, y in zip(a.items, b.items, strict=True)))
    kinds = {a.kind, b.kind}
    if kinds == {"int", "rat"}:
        return Ty("rat", opt)
    if a.kind == b.kind and a.vsort == b.vsort:
        return Ty(a.kind, opt, (), a.vsort)
    raise TypeClash(f"{a.show()} and {b.show()}")


# ---- smart constructors ---------------------------------------------------------------------


def mk_not(a: Term) -> Term:
    if a is TRUE:
        return FALSE
    if a is FALSE:
        return TRUE
    if a.op is Op.NOT:
        return a.args[0]
    return Not(a)


def _mk_flat(op: Op, unit: Term, zero: Term, args: tuple[Term | Iterable[Term], ...]) -> Term:
    """``op`` (And or Or) over ``args``, flattened and deduplicated: ``unit`` operands vanish, a
    ``zero`` operand or a complementary pair ``t``, ``not t`` makes the result ``zero``."""
    out: list[Term] = []
    seen: set[Term] = set()

    def add(t: Term) -> bool:
        if t is unit:
            return True
        if t is zero:
            return False
        if t.op is op:
            return all(add(x) for x in t.args)
        if t not in seen:
            seen.add(t)
            out.append(t)
        return True

    for a in args:
        for t in ([a] if isinstance(a, Term) else a):
            if not add(t):
                return zero
    for t in out:
        if t.op is Op.NOT and t.args[0] in seen:
            return zero
    if not out:
        return unit
    return And(*out) if op is Op.AND else Or(*out)


def mk_and(*args: Term | Iterable[Term]) -> Term:
    return _mk_flat(Op.AND, TRUE, FALSE, args)


def mk_or(*args: Term | Iterable[Term]) -> Term:
    return _mk_flat(Op.OR, FALSE, TRUE, args)


def mk_implies(a: Term, b: Term) -> Term:
    if a is TRUE:
        return b
    if a is FALSE or b is TRUE or a is b:
        return TRUE
    if b is FALSE:
        return mk_not(a)
    return Implies(a, b)


def mk_iff(a: Term, b: Term) -> Term:
    if a is b:
        return TRUE
    if a is TRUE:
        return b
    if b is TRUE:
        return a
    if a is FALSE:
        return mk_not(b)
    if b is FALSE:
        return mk_not(a)
    return Iff(a, b)


def mk_eq(a: Term, b: Term) -> Term:
    """Equality of two terms of one sort (``<->`` on formulas)."""
    if a.sort is BOOL:
        return mk_iff(a, b)
    if a is b:
        return TRUE
    if a.op is Op.INT_CONST and b.op is Op.INT_CONST:
        return TRUE if a.payload == b.payload else FALSE
    return Eq(a, b)


def mk_ite(c: Term, a: Term, b: Term) -> Term:
    """``if c then a else b``; on formulas, as a Boolean combination."""
    if c is TRUE or a is b:
        return a
    if c is FALSE:
        return b
    if a.sort is BOOL:
        if a is TRUE:
            return mk_or(c, b)
        if a is FALSE:
            return mk_and(mk_not(c), b)
        if b is TRUE:
            return mk_or(mk_not(c), a)
        if b is FALSE:
            return mk_and(c, a)
        return Ite(c, a, b)
    return Ite(c, a, b)


_SIMPLE: dict[Term, Term] = {}


def simplify(t: Term) -> Term:
    """``t`` with the folding of the ``mk_*`` constructors applied bottom-up (after a
    substitution has made, e.g., ``coord(phase) = coord(phase)``)."""
    hit = _SIMPLE.get(t)
    if hit is not None:
        return hit
    if not t.args:
        return t
    from logic.terms import rebuild

    args = tuple(simplify(a) for a in t.args)
    op = t.op
    if op is Op.AND:
        res = mk_and(*args)
    elif op is Op.OR:
        res = mk_or(*args)
    elif op is Op.NOT:
        res = mk_not(args[0])
    elif op is Op.IMPLIES:
        res = mk_implies(*args)
    elif op is Op.IFF:
        res = mk_iff(*args)
    elif op is Op.EQ:
        res = mk_eq(*args)
    elif op is Op.ITE:
        res = mk_ite(*args)
    elif op in (Op.FORALL, Op.EXISTS) and args[0] in (TRUE, FALSE):
        res = args[0]  # processes and Booleans are non-empty domains
    elif all(a is b for a, b in zip(args, t.args, strict=True)):
        res = t
    else:
        res = rebuild(t, args)
    if len(_SIMPLE) > 100_000:
        _SIMPLE.clear()
    _SIMPLE[t] = res
    return res


# ---- values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Val:
    """A symbolic value: ``term`` (``None`` for the literal ``None`` and for tuples),
    ``defined`` (false iff the Python value is ``None``), ``items`` for tuples."""

    ty: Ty
    term: Term | None
    defined: Term = TRUE
    items: tuple[Val, ...] = ()

    def map_terms(self, f: Callable[[Term], Term]) -> Val:
        return Val(self.ty, None if self.term is None else f(self.term), f(self.defined),
                   tuple(i.map_terms(f) for i in self.items))

    def subst(self, mapping: dict[Term, Term]) -> Val:
        return self.map_terms(lambda t: simplify(substitute(t, mapping)))


NONE_VAL = Val(NONE_T, None, FALSE)


def const_int(v: Term) -> Val:
    return Val(INT_T, v)


def bool_val(t: Term) -> Val:
    return Val(BOOL_T, t)


def ite_val(c: Term, a: Val, b: Val) -> Val:
    """The value of ``a if c else b`` (raises TypeClash on incompatible types)."""
    if c is TRUE or a is b:
        return a
    if c is FALSE:
        return b
    ty = unify(a.ty, b.ty)
    d = mk_ite(c, a.defined, b.defined)
    if ty.kind == "tuple":
        if a.ty.kind == "none":
            return Val(ty, None, d, b.items)
        if b.ty.kind == "none":
            return Val(ty, None, d, a.items)
        items = tuple(ite_val(c, x, y) for x, y in zip(a.items, b.items, strict=True))
        return Val(ty, None, d, items)
    if a.term is None:
        term = b.term
    elif b.term is None:
        term = a.term
    else:
        term = mk_ite(c, a.term, b.term)
    return Val(ty, term, d)


def eq(a: Val, b: Val) -> Term:
    """Python's ``a == b`` as a formula (types already checked compatible)."""
    if a.ty.kind == "none" and b.ty.kind == "none":
        return TRUE
    if a.ty.kind == "none":
        return mk_not(b.defined)
    if b.ty.kind == "none":
        return mk_not(a.defined)
    both_undef = mk_and(mk_not(a.defined), mk_not(b.defined))
    if a.ty.kind == "tuple" or b.ty.kind == "tuple":
        if a.ty.kind != b.ty.kind or len(a.items) != len(b.items):
            return FALSE if (a.defined is TRUE or b.defined is TRUE) else both_undef
        same = mk_and(*[eq(x, y) for x, y in zip(a.items, b.items, strict=True)])
    else:
        assert a.term is not None and b.term is not None
        same = mk_eq(a.term, b.term)
    if a.defined is TRUE and b.defined is TRUE:
        return same
    return mk_or(both_undef, mk_and(a.defined, b.defined, same))


def _raw_lt(a: Term, b: Term) -> Term:
    if a.sort is BOOL:
        return mk_and(mk_not(a), b)
    if a is b:
        return FALSE
    return Lt(a, b)


def _raw_le(a: Term, b: Term) -> Term:
    if a.sort is BOOL:
        return mk_or(mk_not(a), b)
    if a is b:
        return TRUE
    return Le(a, b)


def orderable(t: Ty) -> bool:
    if t.kind == "tuple":
        return all(orderable(i) for i in t.items)
    if t.kind == "value":
        return t.vsort is not None and t.vsort.ordered
    return t.kind in ("int", "rat", "bool", "none")


def lt(a: Val, b: Val) -> Term:
    """``a < b`` in the payload order (``None`` lowest, tuples lexicographic)."""
    return _order(a, b, strict=True)


def le(a: Val, b: Val) -> Term:
    return _order(a, b, strict=False)


def _order(a: Val, b: Val, strict: bool) -> Term:
    if a.ty.kind == "none" or b.ty.kind == "none":
        # None is below every value
        if strict:
            return mk_and(mk_not(a.defined), b.defined)
        return mk_not(a.defined)
    if a.ty.kind == "tuple":
        core = _lex(a.items, b.items, strict)
    else:
        assert a.term is not None and b.term is not None
        core = _raw_lt(a.term, b.term) if strict else _raw_le(a.term, b.term)
    if a.defined is TRUE and b.defined is TRUE:
        return core
    if strict:
        return mk_or(mk_and(mk_not(a.defined), b.defined), mk_and(a.defined, b.defined, core))
    return mk_or(mk_not(a.defined), mk_and(b.defined, core))


def _lex(xs: tuple[Val, ...], ys: tuple[Val, ...], strict: bool) -> Term:
    if not xs:
        return FALSE if strict else TRUE
    if len(xs) == 1:
        return _order(xs[0], ys[0], strict)
    head_lt = lt(xs[0], ys[0])
    rest = _lex(xs[1:], ys[1:], strict)
    return mk_or(head_lt, mk_and(eq(xs[0], ys[0]), rest))


def truth(v: Val) -> Term | None:
    """Python truthiness of ``v`` as a formula (``None`` if not expressible: process ids)."""
    k = v.ty.kind
    if k == "none":
        return FALSE
    if k == "tuple":
        return v.defined
    if k == "proc" or k == "value":
        return None
    assert v.term is not None
    if k == "bool":
        core = v.term
    else:
        core = mk_not(mk_eq(v.term, _zero()))
    return mk_and(v.defined, core) if v.defined is not TRUE else core


def _zero() -> Term:
    from logic.terms import IntConst

    return IntConst(0)


__all__ = ["Ty", "Val", "TypeClash", "INT_T", "RAT_T", "BOOL_T", "PROC_T", "NONE_T", "NONE_VAL",
           "unify", "mk_and", "mk_or", "mk_not", "mk_implies", "mk_iff", "mk_eq", "mk_ite",
           "ite_val", "eq", "lt", "le", "truth", "orderable", "const_int", "bool_val", "simplify"]
