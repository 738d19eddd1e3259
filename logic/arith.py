"""Exact linear arithmetic: integer terms with rational constants, scaled to integer LIA.

An arithmetic term denotes a rational (``/`` is exact). ``scaled(t)`` returns ``(e, d)`` with an
integer SMT expression ``e`` and a positive integer ``d`` such that ``t == e / d``; comparisons
multiply through by the denominators, so the SMT formula stays in integer linear arithmetic and is
exactly the rational comparison. Floor division introduces a fresh integer with its two defining
inequalities.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from math import lcm
from typing import Any

from logic.errors import UnsupportedError
from logic.terms import Op, Term, constant_value

FNode = Any


class ArithTranslator:
    """Translate arithmetic terms to scaled integer pysmt expressions.

    ``leaf`` translates non-arithmetic integer leaves (variables, applications, cardinalities,
    if-then-else conditions are handled here but their Boolean conditions through ``boolean``).
    ``fresh_int`` makes a fresh integer symbol and ``side`` records a side constraint.
    """

    def __init__(self, mgr: Any, leaf: Callable[[Term], FNode], boolean: Callable[[Term], FNode],
                 fresh_int: Callable[[str], FNode], side: Callable[[FNode], None]) -> None:
        self.mgr = mgr
        self.leaf = leaf
        self.boolean = boolean
        self.fresh_int = fresh_int
        self.side = side
        self._memo: dict[Term, tuple[FNode, int]] = {}

    def _mul(self, e: FNode, k: int) -> FNode:
        m = self.mgr
        if k == 1:
            return e
        if e.is_int_constant():
            return m.Int(e.constant_value() * k)
        return m.Times(m.Int(k), e)

    def scaled(self, t: Term) -> tuple[FNode, int]:
        hit = self._memo.get(t)
        if hit is not None:
            return hit
        r = self._scaled(t)
        self._memo[t] = r
        return r

    def _scaled(self, t: Term) -> tuple[FNode, int]:
        m = self.mgr
        op = t.op
        c = constant_value(t)
        if c is not None:
            return m.Int(c.numerator), c.denominator
        if op in (Op.ADD, Op.SUB):
            parts = [self.scaled(a) for a in t.args]
            den = lcm(*(d for _, d in parts))
            terms = [self._mul(e, den // d) for e, d in parts]
            if op is Op.ADD:
                return m.Plus(terms), den
            return m.Minus(terms[0], terms[1]), den
        if op is Op.NEG:
            e, d = self.scaled(t.args[0])
            return self._mul(e, -1), d
        if op is Op.MUL:
            a, b = t.args
            ca, cb = constant_value(a), constant_value(b)
            if ca is None and cb is None:
                raise UnsupportedError(f"non-linear multiplication {t}: one factor must be a "
                                       f"constant")
            k, other = (ca, b) if ca is not None else (cb, a)
            assert k is not None
            e, d = self.scaled(other)
            return self._normalize(self._mul(e, k.numerator), d * k.denominator)
        if op is Op.DIV:
            k = constant_value(t.args[1])
            assert k is not None and k != 0
            e, d = self.scaled(t.args[0])
            # (e/d) / (p/q) = (e*q) / (d*p)
            return self._normalize(self._mul(e, k.denominator), d * k.numerator)
        if op is Op.FLOORDIV:
            k = constant_value(t.args[1])
            assert k is not None and k != 0
            e, d = self.scaled(t.args[0])
            num = self._mul(e, k.denominator)
            den = d * k.numerator
            if den < 0:
                num, den = self._mul(num, -1), -den
            q = self.fresh_int("floor")
            # q = floor(num / den)  <=>  den*q <= num < den*q + den
            self.side(m.LE(self._mul(q, den), num))
            self.side(m.LT(num, m.Plus(self._mul(q, den), m.Int(den))))
            return q, 1
        if op is Op.ITE:
            cond = self.boolean(t.args[0])
            (ea, da), (eb, db) = self.scaled(t.args[1]), self.scaled(t.args[2])
            den = lcm(da, db)
            return m.Ite(cond, self._mul(ea, den // da), self._mul(eb, den // db)), den
        return self.leaf(t), 1

    def _normalize(self, e: FNode, d: int) -> tuple[FNode, int]:
        if d < 0:
            return self._mul(e, -1), -d
        return e, d

    def compare(self, op: Op, a: Term, b: Term) -> FNode:
        """The exact comparison ``a op b`` as an integer-linear formula."""
        m = self.mgr
        ea, da = self.scaled(a)
        eb, db = self.scaled(b)
        lhs, rhs = self._mul(ea, db), self._mul(eb, da)
        if op is Op.EQ:
            return m.Equals(lhs, rhs)
        if op is Op.LT:
            return m.LT(lhs, rhs)
        if op is Op.LE:
            return m.LE(lhs, rhs)
        if op is Op.GT:
            return m.GT(lhs, rhs)
        if op is Op.GE:
            return m.GE(lhs, rhs)
        raise AssertionError(op)


def exact(value: Fraction) -> str:
    return str(value)
