"""Sets a formula states to be empty, taken out of the rest of its ground part.

A verification condition's hypothesis often says that a set is empty: a good round of A_T,E
hears ``k`` without corruption, ``AHO(k) = {}``. After skolemization this is a ground conjunct of
the input, ``|AHO(sk_k)| = 0``, while the round's transition relation speaks of
``if q in AHO(p) then corrupt(p, q) else x(q)`` for every receiver ``p``. Its instances on
``sk_k`` name, per received value, a set of the processes whose message was corrupted into it:
``{c | corrupt(sk_k, c) = v}``, intersected with ``AHO(sk_k)`` -- a Venn atom each, all of them
irrelevant since ``AHO(sk_k)`` is empty, each doubling the regions (or widening the sparse
encoding's search).

:class:`KnownEmpty` finds the ground facts ``|A| = 0`` (or ``|A| <= 0``) of the input, ``A`` a
set-valued application or a set variable, and rewrites every other ground formula with ``A``
replaced by the empty set and the result simplified (``t in {}`` is false, ``S \\ {}`` is ``S``,
``|{}|`` is 0, and the Boolean constants this makes). Given the fact, which is kept, the rewritten
formula is equivalent to the original: the reduction stays implied by the input (sound for
``unsat``), and a candidate model is still checked against the original formula.
"""

from __future__ import annotations

from collections.abc import Iterable

from logic.normalize import fold_node
from logic.terms import EMPTY as _EMPTY
from logic.terms import FALSE, IntConst, Op, Term, constant_value

_ZERO = IntConst(0)

_EMPTY_SET_OPS = frozenset({Op.UNION, Op.INTER, Op.DIFF, Op.MEMBER, Op.CARD})


class _Simplifier:
    """Replaces the ``empty`` atoms by the empty set and simplifies what that makes (memoised:
    the instances of one formula share most of their subterms)."""

    def __init__(self, empty: frozenset[Term]) -> None:
        self.empty = empty
        self.memo: dict[Term, Term] = {}

    def __call__(self, t: Term) -> Term:
        hit = self.memo.get(t)
        if hit is not None:
            return hit
        result = self._simplify(t)
        self.memo[t] = result
        return result

    def _simplify(self, t: Term) -> Term:
        if t in self.empty:
            return _EMPTY
        if not t.args:
            return t
        args = tuple(self(a) for a in t.args)
        if t.op in _EMPTY_SET_OPS:
            folded = _fold_empty(t.op, args)
            if folded is not None:
                return folded
        return fold_node(t, args)


def _fold_empty(op: Op, args: tuple[Term, ...]) -> Term | None:
    """``op(args)`` without the empty set, or ``None`` if no argument is empty."""
    if op is Op.CARD:
        return _ZERO if args[0] is _EMPTY else None
    if op is Op.MEMBER:
        return FALSE if args[1] is _EMPTY else None
    a, b = args
    if op is Op.UNION:
        return b if a is _EMPTY else a if b is _EMPTY else None
    if op is Op.INTER:
        return _EMPTY if _EMPTY in (a, b) else None
    # DIFF
    return _EMPTY if a is _EMPTY else a if b is _EMPTY else None


def _emptied_atom(fact: Term) -> Term | None:
    """``A`` if ``fact`` reads ``|A| = 0``, ``0 = |A|`` or ``|A| <= 0`` with ``A`` a set-valued
    application or a set variable."""
    if fact.op is Op.EQ:
        card, zero = fact.args if fact.args[0].op is Op.CARD else fact.args[::-1]
    elif fact.op is Op.LE:
        card, zero = fact.args
    else:
        return None
    if card.op is not Op.CARD or constant_value(zero) != 0:
        return None
    atom = card.args[0]
    return atom if atom.op in (Op.APP, Op.VAR) else None


class KnownEmpty:
    """The input's facts that sets are empty, and the rewriting of ground formulas they allow.

    ``KnownEmpty(ground)`` with the input's ground clauses; ``known(f)`` is ``f`` rewritten (or
    ``f`` itself when the input states no set empty). A fact itself is returned in its simplified
    form ``|A| = 0``, never rewritten into ``0 = 0``."""

    def __init__(self, ground: Iterable[Term]) -> None:
        plain = _Simplifier(frozenset())
        facts: dict[Term, Term] = {}
        for f in ground:
            simple = plain(f)
            atom = _emptied_atom(simple)
            if atom is not None:
                facts[f] = simple
                facts[simple] = simple
        self.facts = facts
        self.atoms = frozenset(a for f in facts.values() if (a := _emptied_atom(f)) is not None)
        self._rewrite = _Simplifier(self.atoms)

    def __bool__(self) -> bool:
        return bool(self.atoms)

    def __call__(self, f: Term) -> Term:
        if not self.atoms:
            return f
        fact = self.facts.get(f)
        if fact is not None:
            return fact
        return self._rewrite(f)
