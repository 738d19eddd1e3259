"""Printing terms: the text notation of :mod:`logic.parser` (ASCII or Unicode) and LaTeX.

``to_text`` prints with the fewest parentheses that keep the tree: for every term ``t`` built over
a signature ``sig``, ``parse(to_text(t), sig, expected=t.sort) is t`` (ASCII and Unicode alike).
In particular:

* ``Not(Eq(a, b))`` prints ``a != b`` and ``Not(Member(i, S))`` prints ``i notin S``;
* ``And``/``Or``/``Add`` are n-ary and print flat; a nested one keeps its parentheses;
* a quantifier or if-then-else extends as far right as possible, so it is parenthesized unless
  nothing follows it;
* bound variables of a sort other than ``Proc`` carry their annotation (``exists v: Val. ...``);
* ``Comprehension(i, And(Member(i, S), φ))`` prints ``{i in S | φ}``, and a one-variable quantifier
  guarded the same way prints ``forall p in S. φ`` / ``exists p in S. φ``.

Names made by :func:`~logic.terms.fresh_var` (``v!3``) print as they are in text (they are not
meant to be parsed back) and as ``v_{3}`` in LaTeX.

The printer keeps its own stack, so terms of any depth print without hitting Python's recursion
limit.
"""

from __future__ import annotations

import re
from collections.abc import Generator

from logic.sorts import PROC, Sort
from logic.terms import BINDERS, Op, Term, free_vars, subterms

__all__ = ["to_text", "to_latex"]

# Binding strength of printed forms, loosest first (as in the parser). Quantifiers and
# if-then-else are atoms that extend to the right ("open-ended").
_IFF, _IMP, _OR, _AND, _NOT, _CMP, _UNION, _INTER, _ADD, _MUL, _UNARY, _ATOM = range(2, 14)
_NEVER = _ATOM + 1          # a requirement nothing meets: always parenthesize
_OPEN = frozenset({Op.FORALL, Op.EXISTS, Op.ITE})
_CMP_OPS = frozenset({Op.EQ, Op.LT, Op.LE, Op.GT, Op.GE, Op.MEMBER, Op.SUBSET})
_PREC: dict[Op, int] = {
    Op.NEG: _UNARY, Op.MUL: _MUL, Op.DIV: _MUL, Op.FLOORDIV: _MUL, Op.ADD: _ADD, Op.SUB: _ADD,
    Op.INTER: _INTER, Op.UNION: _UNION, Op.DIFF: _UNION, Op.AND: _AND, Op.OR: _OR,
    Op.IMPLIES: _IMP, Op.IFF: _IFF, **{op: _CMP for op in _CMP_OPS},
}

_ASCII = {
    "forall": "forall ", "exists": "exists ", "dot": ". ", "not": "not ", "and": " and ",
    "or": " or ", "implies": " -> ", "iff": " <-> ", "eq": " = ", "neq": " != ", "lt": " < ",
    "le": " <= ", "gt": " > ", "ge": " >= ", "in": " in ", "notin": " notin ",
    "subset": " subset ", "union": " union ", "inter": " inter ", "diff": " \\ ", "empty": "{}",
    "true": "true", "false": "false", "add": " + ", "sub": " - ", "mul": "*", "div": "/",
    "floordiv": "//", "if": "if ", "then": " then ", "else": " else ", "bar": " | ",
    "annot": ": ",
}
_UNICODE = {
    **_ASCII, "forall": "∀", "exists": "∃", "not": "¬", "and": " ∧ ", "or": " ∨ ",
    "implies": " → ", "iff": " ↔ ", "neq": " ≠ ", "le": " ≤ ", "ge": " ≥ ", "in": " ∈ ",
    "notin": " ∉ ", "subset": " ⊆ ", "union": " ∪ ", "inter": " ∩ ", "diff": " ∖ ", "empty": "∅",
}
_LATEX = {
    "forall": "\\forall ", "exists": "\\exists ", "dot": ".\\, ", "not": "\\neg ",
    "and": " \\land ", "or": " \\lor ", "implies": " \\Rightarrow ", "iff": " \\Leftrightarrow ",
    "eq": " = ", "neq": " \\neq ", "lt": " < ", "le": " \\leq ", "gt": " > ", "ge": " \\geq ",
    "in": " \\in ", "notin": " \\notin ", "subset": " \\subseteq ", "union": " \\cup ",
    "inter": " \\cap ", "diff": " \\setminus ", "empty": "\\emptyset", "true": "\\top",
    "false": "\\bot", "add": " + ", "sub": " - ", "mul": " \\cdot ", "div": "/", "floordiv": "//",
    "if": "\\mathbf{if}\\ ", "then": "\\ \\mathbf{then}\\ ", "else": "\\ \\mathbf{else}\\ ",
    "bar": " \\mid ", "annot": " : ",
}
_CMP_KEY = {Op.EQ: "eq", Op.LT: "lt", Op.LE: "le", Op.GT: "gt", Op.GE: "ge", Op.MEMBER: "in",
            Op.SUBSET: "subset", Op.UNION: "union", Op.INTER: "inter", Op.DIFF: "diff"}

_Request = tuple[Term, int, bool]           # child, required strength, nothing follows it
_Gen = Generator[_Request, str, str]


class _Printer:
    def __init__(self, style: str) -> None:
        self.latex = style == "latex"
        self.sym = {"ascii": _ASCII, "unicode": _UNICODE, "latex": _LATEX}[style]
        self.root: Term | None = None
        self._bound_names: frozenset[str] | None = None

    def run(self, t: Term) -> str:
        """Print ``t`` with an explicit stack of generators (one per pending subterm)."""
        self.root = t
        stack: list[tuple[_Gen, bool]] = [(self.node(t, 0, True), False)]
        value = ""
        while stack:
            gen, started = stack[-1]
            try:
                request = gen.send(value) if started else next(gen)
            except StopIteration as stop:
                stack.pop()
                value = stop.value
                continue
            stack[-1] = (gen, True)
            stack.append((self.node(*request), False))
        return value

    # ---- helpers ----------------------------------------------------------------------------
    def bound_names(self) -> frozenset[str]:
        if self._bound_names is None:
            assert self.root is not None
            self._bound_names = frozenset(
                str(v.payload) for s in subterms(self.root) if s.op in BINDERS
                for v in s.bound_vars)
        return self._bound_names

    def ident(self, name: str) -> str:
        if not self.latex:
            return name
        return _latex_ident(name)

    def sort_name(self, s: Sort) -> str:
        if not self.latex:
            return str(s)
        if s.is_set:
            return "\\mathsf{Set}(\\mathsf{Proc})"
        return f"\\mathsf{{{_latex_escape(s.name)}}}"

    def function_name(self, t: Term) -> str:
        f = t.symbol
        name = self.ident(f.name)
        if f.version is None:
            return name
        if f.version == "next":
            return name + "'"
        version = f"\\mathit{{{f.version}}}" if self.latex else f.version
        return f"{version}({name})"

    @staticmethod
    def prec(t: Term, latex: bool) -> int:
        op = t.op
        if op is Op.INT_CONST:
            return _ATOM if t.payload >= 0 else _UNARY
        if op is Op.NOT:
            return _CMP if t.args[0].op in (Op.EQ, Op.MEMBER) else _NOT
        if latex and op in (Op.DIV, Op.FLOORDIV):
            return _ATOM
        return _PREC.get(op, _ATOM)

    def node(self, t: Term, need: int, rightmost: bool) -> _Gen:
        paren = self.prec(t, self.latex) < need or (t.op in _OPEN and not rightmost)
        s = yield from self.body(t, True if paren else rightmost)
        return f"({s})" if paren else s

    # ---- one node ---------------------------------------------------------------------------
    def body(self, t: Term, rm: bool) -> _Gen:
        sym = self.sym
        op = t.op
        a = t.args
        if op is Op.VAR:
            return self.ident(str(t.payload))
        if op is Op.NPROCS:
            return "n"
        if op is Op.INT_CONST:
            return str(t.payload)
        if op is Op.BOOL_CONST:
            return sym["true"] if t.payload else sym["false"]
        if op is Op.EMPTY:
            return sym["empty"]
        if op is Op.APP:
            name = self.function_name(t)
            if not a:
                shadowed = not self.latex and t.symbol.name in self.bound_names()
                return name + "()" if shadowed else name
            parts = []
            for arg in a:
                parts.append((yield (arg, 0, True)))
            return f"{name}({', '.join(parts)})"
        if op is Op.CARD:
            inner = yield (a[0], 0, True)
            if self.latex:
                return f"\\lvert{' ' if inner[:1].isalnum() else ''}{inner}\\rvert"
            return f"|{inner}|"
        if op is Op.COMPREHENSION:
            return (yield from self.comprehension(t))
        if op is Op.NEG:
            need = _NEVER if a[0].op is Op.INT_CONST and a[0].payload >= 0 else _UNARY
            return "-" + (yield (a[0], need, rm))
        if op is Op.ADD:
            parts = []
            for i, arg in enumerate(a):
                need = _ADD if i == 0 and arg.op is not Op.ADD else _MUL
                parts.append((yield (arg, need, rm and i == len(a) - 1)))
            return sym["add"].join(parts)
        if op is Op.SUB:
            left = yield (a[0], _ADD, False)
            right = yield (a[1], _MUL, rm)
            return left + sym["sub"] + right
        if op is Op.MUL:
            left = yield (a[0], _MUL, False)
            right = yield (a[1], _UNARY, rm)
            if self.latex and _juxtaposable(a[0], a[1]):
                return left + right
            return left + sym["mul"] + right
        if op in (Op.DIV, Op.FLOORDIV):
            if self.latex:
                num = yield (a[0], 0, True)
                den = yield (a[1], 0, True)
                frac = f"\\frac{{{num}}}{{{den}}}"
                return frac if op is Op.DIV else f"\\left\\lfloor {frac} \\right\\rfloor"
            left = yield (a[0], _MUL, False)
            right = yield (a[1], _UNARY, rm)
            return left + sym["div" if op is Op.DIV else "floordiv"] + right
        if op in _CMP_OPS:
            left = yield (a[0], _UNION, False)
            right = yield (a[1], _UNION, rm)
            return left + sym[_CMP_KEY[op]] + right
        if op is Op.NOT:
            inner_t = a[0]
            if inner_t.op in (Op.EQ, Op.MEMBER):
                left = yield (inner_t.args[0], _UNION, False)
                right = yield (inner_t.args[1], _UNION, rm)
                return left + sym["neq" if inner_t.op is Op.EQ else "notin"] + right
            return sym["not"] + (yield (inner_t, _NOT, rm))
        if op in (Op.AND, Op.OR):
            need = _NOT if op is Op.AND else _AND
            parts = []
            for i, arg in enumerate(a):
                parts.append((yield (arg, need, rm and i == len(a) - 1)))
            return sym["and" if op is Op.AND else "or"].join(parts)
        if op is Op.IMPLIES:
            left = yield (a[0], _OR, False)
            right = yield (a[1], _IMP, rm)
            return left + sym["implies"] + right
        if op is Op.IFF:
            left = yield (a[0], _IMP, False)
            right = yield (a[1], _IMP, rm)
            return left + sym["iff"] + right
        if op in (Op.UNION, Op.DIFF):
            left = yield (a[0], _UNION, False)
            right = yield (a[1], _INTER, rm)
            return left + sym[_CMP_KEY[op]] + right
        if op is Op.INTER:
            left = yield (a[0], _INTER, False)
            right = yield (a[1], _ADD, rm)
            return left + sym["inter"] + right
        if op is Op.ITE:
            c = yield (a[0], 0, True)
            then = yield (a[1], 0, True)
            other = yield (a[2], 0, rm)
            return sym["if"] + c + sym["then"] + then + sym["else"] + other
        if op in (Op.FORALL, Op.EXISTS):
            return (yield from self.quantifier(t, rm))
        raise AssertionError(f"cannot print a {op.value} term")  # pragma: no cover

    def guard(self, v: Term, g: Term) -> tuple[str, Term] | None:
        """``("in", S)`` if ``g`` is ``v in S`` (``"notin"`` for ``not v in S``), ``S`` free of
        ``v``; else ``None``."""
        kind = "in"
        if g.op is Op.NOT:
            g, kind = g.args[0], "notin"
        if g.op is not Op.MEMBER or g.args[0] is not v:
            return None
        try:
            if v in free_vars(g.args[1]):
                return None
        except RecursionError:  # pragma: no cover - absurdly deep set term: print unsugared
            return None
        return kind, g.args[1]

    def comprehension(self, t: Term) -> _Gen:
        v: Term = t.payload
        body = t.args[0]
        name = self.ident(str(v.payload))
        close = "\\}" if self.latex else "}"
        opener = "\\{ " if self.latex else "{"
        if body.op is Op.AND and len(body.args) == 2:
            g = self.guard(v, body.args[0])
            if g is not None:
                s = yield (g[1], _UNION, True)
                rest = yield (body.args[1], 0, True)
                return f"{opener}{name}{self.sym[g[0]]}{s}{self.sym['bar']}{rest}{close}"
        inner = yield (body, 0, True)
        return f"{opener}{name}{self.sym['bar']}{inner}{close}"

    def quantifier(self, t: Term, rm: bool) -> _Gen:
        kw = self.sym["forall" if t.op is Op.FORALL else "exists"]
        vs: tuple[Term, ...] = t.payload
        body = t.args[0]
        if len(vs) == 1 and vs[0].sort == PROC and len(body.args) == 2 and (
                body.op is (Op.IMPLIES if t.op is Op.FORALL else Op.AND)):
            g = self.guard(vs[0], body.args[0])
            if g is not None:
                s = yield (g[1], _UNION, True)
                rest = yield (body.args[1], 0, rm)
                return (f"{kw}{self.ident(str(vs[0].payload))}{self.sym[g[0]]}{s}"
                        f"{self.sym['dot']}{rest}")
        inner = yield (body, 0, rm)
        return f"{kw}{self.binders(vs)}{self.sym['dot']}{inner}"

    def binders(self, vs: tuple[Term, ...]) -> str:
        """Bound variables in runs of one sort; a run is annotated unless it is a run of
        processes that nothing annotated follows (an annotation covers the names before it)."""
        runs: list[tuple[Sort, list[str]]] = []
        for v in vs:
            if runs and runs[-1][0] == v.sort:
                runs[-1][1].append(self.ident(str(v.payload)))
            else:
                runs.append((v.sort, [self.ident(str(v.payload))]))
        parts = []
        for i, (s, names) in enumerate(runs):
            group = ", ".join(names)
            if s == PROC and i == len(runs) - 1:
                parts.append(group)
            else:
                parts.append(group + self.sym["annot"] + self.sort_name(s))
        return ", ".join(parts)


def _juxtaposable(left: Term, right: Term) -> bool:
    return (left.op is Op.INT_CONST and left.payload >= 0
            and right.op in (Op.VAR, Op.NPROCS, Op.APP))


_LATEX_SPECIAL = re.compile(r"([_#$%&{}])")
_INDEXED = re.compile(r"([A-Za-z])(\d+)")


def _latex_escape(s: str) -> str:
    return _LATEX_SPECIAL.sub(r"\\\1", s).replace("~", "\\~{}").replace("^", "\\^{}")


def _latex_ident(name: str) -> str:
    base, bang, suffix = name.partition("!")
    if bang:
        return f"{_latex_ident(base)}_{{{_latex_escape(suffix)}}}"
    if len(name) == 1:
        return _latex_escape(name)
    m = _INDEXED.fullmatch(name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    return f"\\mathit{{{_latex_escape(name)}}}"


def to_text(t: Term, *, unicode: bool = False) -> str:
    """``t`` in the text notation (``unicode=True`` for ∀, ∧, →, ∈, ...)."""
    return _Printer("unicode" if unicode else "ascii").run(t)


def to_latex(t: Term) -> str:
    """``t`` as LaTeX math (without the surrounding ``$``), for notebooks and papers."""
    return _Printer("latex").run(t)
