"""Sort refinement of ``Int``: which integer terms can ever be compared with which.

A verification condition uses ``Int`` for unrelated things: the values processes agree on
(``x(p)``), round numbers (``r``, ``phase``), cardinalities (``|S|``, ``n``). A universal
``forall v: Int. phi(v)`` over the values only needs instances on value terms; instantiating it on
``r`` or on ``|HO(p)|`` is useless and, through the comprehensions in ``phi``, very costly.

:class:`IntClasses` partitions the integer *positions* of a formula (the result of a function
symbol, its integer arguments, a variable, cardinalities, ``n``) with a union-find: two positions
are in one class when a comparison, an arithmetic operation, an if-then-else or an argument
position relates them. Integer constants relate nothing (``x(p) = 0`` and ``r = 0`` do not make
values round numbers). Every version of a symbol (``x``, ``x'``, ``old(x)``, ``init(x)``) is one
position.

This is the classical sort inference of many-sorted first-order provers, used here only to choose
*which* instances to make. Any subset of the instances is implied by the formula, so the choice
never affects soundness (an unsat reduction is still a proof; a sat answer is still validated).
"""

from __future__ import annotations

from collections.abc import Hashable

from logic.sorts import INT, FunctionSymbol
from logic.terms import COMPARISONS, Op, Term

_ARITH = frozenset({Op.ADD, Op.SUB, Op.NEG, Op.MUL, Op.DIV, Op.FLOORDIV, Op.ITE})


def _symbol_key(f: FunctionSymbol) -> Hashable:
    return (f.name, f.domain, f.codomain)


class IntClasses:
    """A union-find over the integer positions of the formulas added so far."""

    def __init__(self) -> None:
        self._parent: dict[Hashable, Hashable] = {}
        self._seen: set[Term] = set()
        self._positions: dict[Term, Hashable | None] = {}

    # ---- union-find ----------------------------------------------------------------------------
    def _find(self, k: Hashable) -> Hashable:
        # a root has no entry (_union never maps a position to an equal one)
        parent = self._parent
        get = parent.get
        root = k
        while (p := get(root)) is not None:
            root = p
        while (p := get(k)) is not None:  # path compression
            parent[k] = root
            k = p
        return root

    def _union(self, a: Hashable | None, b: Hashable | None) -> None:
        if a is None or b is None:
            return
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[ra] = rb

    # ---- positions ------------------------------------------------------------------------------
    def position(self, t: Term) -> Hashable | None:
        """The position of the integer term ``t`` (``None`` for a constant)."""
        try:
            return self._positions[t]
        except KeyError:
            pos = self._positions[t] = self._position(t)
            return pos

    @staticmethod
    def _position(t: Term) -> Hashable | None:
        op = t.op
        if op is Op.INT_CONST:
            return None
        if op is Op.APP:
            return ("result", _symbol_key(t.payload))
        if op is Op.VAR:
            return ("var", t)
        if op is Op.CARD or op is Op.NPROCS:
            return ("size",)
        return ("node", t)

    def add(self, formula: Term) -> None:
        """Relate the positions that ``formula`` relates (every subterm, binders included)."""
        stack = [formula]
        seen = self._seen
        while stack:
            t = stack.pop()
            if t in seen:
                continue
            seen.add(t)
            stack.extend(t.args)
            op = t.op
            if op is Op.APP:
                key = _symbol_key(t.payload)
                for i, a in enumerate(t.args):
                    if a.sort is INT:
                        self._union(("argument", key, i), self.position(a))
            elif op in COMPARISONS or op is Op.EQ:
                a, b = t.args
                if a.sort is INT:
                    self._union(self.position(a), self.position(b))
            elif op in _ARITH and t.sort is INT:
                me = self.position(t)
                for a in t.args:
                    if a.sort is INT:
                        self._union(me, self.position(a))

    def related(self, a: Term, b: Term) -> bool:
        """Whether the integer terms ``a`` and ``b`` are in one class (constants relate to every
        term)."""
        pa, pb = self.position(a), self.position(b)
        if pa is None or pb is None:
            return True
        return self._find(pa) == self._find(pb)
