"""Compiling a model's specification strings (``safety``, ``invariants``, ``round_invariants``, HO
predicates) against the model's signature.

The notation is :mod:`logic.parser`'s, plus the undefined value ``?``: ``vote(i) != ?`` says that
``vote(i)`` is not ``None``. An optional local ``x`` is two symbols, ``x`` and ``x_def`` (see
:mod:`hoverify.compile_values`); in a formula ``x(i)`` stands for the *Python value* of the local,
so comparisons with an optional operand are rewritten as in the executor:

* ``x(i) = ?`` becomes ``not x_def(i)`` (``!=`` its negation);
* ``a = b`` with an optional side ``a`` is ``(¬a_def ∧ ¬b_def) ∨ (a_def ∧ b_def ∧ a = b)`` (so
  ``decision(i) = v`` for a bound ``v`` implies ``decision(i) != ?``);
* ``<``, ``<=``, ``>``, ``>=`` use the payload order (``?`` below every value);
* an optional Boolean local used as a formula, ``decision(i)``, is ``decision_def(i) ∧
  decision(i)`` (``None`` is false, as in Python).

An optional local inside arithmetic denotes its raw value (meaningless where it is ``?``). ``?``
anywhere but as an operand of ``=``/``!=`` with an optional local is an error.

How ``?`` is parsed: each occurrence is replaced by a fresh one-character name (a CJK ideograph, so
that columns stay put), the text is wrapped as ``forall <names>.`` on a line of its own so that the
parser infers each occurrence's sort from its use, and the quantifier is stripped again.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass

from hoverify.compile_expr import LocalInfo
from hoverify.compile_values import Val, eq, le, lt, mk_and, mk_not
from hoverify.errors import CompileError
from logic.errors import LogicError
from logic.parser import parse
from logic.signature import Signature
from logic.sorts import BOOL
from logic.terms import App, Op, Term, free_vars, rebuild

_POOL = [chr(c) for c in range(0x4E00, 0x4E00 + 4096)]


@dataclass(frozen=True)
class SpecSource:
    """Where a specification string comes from: ``label`` (e.g. ``safety 'agreement'``), the
    file, and the string literal's AST node with the offsets that locate it (if known)."""

    label: str
    file: str | None
    line: int | None
    node: ast.AST | None = None
    line_off: int = 0
    col_off: int = 0
    source_lines: tuple[str, ...] = ()

    def locate(self, fline: int, fcol: int, text: str) -> tuple[int | None, int | None]:
        """The file line and column of the formula's 1-based (line, column), if the literal is
        plain (no escapes); else the literal's first line."""
        node = self.node
        if node is None or not self.source_lines:
            return self.line, None
        offset = _offset(text, fline, fcol)
        for (row, col), value in _string_parts(node, self.source_lines):
            if offset < len(value):
                return row + self.line_off, col + self.col_off + 1 + offset
            offset -= len(value)
        return self.line, None


def _offset(text: str, line: int, col: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[:line - 1]) + col - 1


def _string_parts(node: ast.AST, lines: tuple[str, ...]) -> list[tuple[tuple[int, int], str]]:
    """The plain string tokens of a (possibly implicitly concatenated) literal: ((line, col of
    the first character of the value), value). Empty if any part has a prefix or escapes."""
    start, end = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
    seg_lines = list(lines[start - 1:end])
    if not seg_lines:
        return []
    seg_lines[-1] = seg_lines[-1][:node.end_col_offset]  # type: ignore[attr-defined]
    first_col = node.col_offset  # type: ignore[attr-defined]
    seg_lines[0] = " " * first_col + seg_lines[0][first_col:]
    out = []
    try:
        toks = list(tokenize.generate_tokens(io.StringIO("".join(seg_lines)).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    for tok in toks:
        if tok.type != tokenize.STRING:
            continue
        s = tok.string
        if s[0] not in "'\"" or s.startswith(("'''", '"""')):
            return []
        value = ast.literal_eval(s)
        if len(value) != len(s) - 2:
            return []
        out.append(((tok.start[0] + start - 1, tok.start[1] + 1), value))
    return out


def compile_spec(text: str, signature: Signature, locals_: Mapping[str, LocalInfo],
                 src: SpecSource, *, bound: Mapping[str, Term] | None = None) -> Term:
    """The formula ``text``, type-checked against ``signature`` (see the module docstring)."""
    used = set(text)
    pool = iter(c for c in _POOL if c not in used)
    marks: list[str] = []
    positions: list[int] = []
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch == "?":
            m = next(pool)
            chars[i] = m
            marks.append(m)
            positions.append(i)
    body_text = "".join(chars)
    wrapped = f"forall {', '.join(marks)}.\n{body_text}" if marks else body_text
    try:
        t = parse(wrapped, signature, source=src.label, bound=dict(bound or {}))
    except LogicError as e:
        msg = e.message
        for m in marks:
            msg = msg.replace(m, "?")
        if e.location is not None:
            fl, fc = e.location.line - (1 if marks else 0), e.location.column
            line, col = src.locate(fl, fc, text) if fl >= 1 else (src.line, None)
            where = f" (at {fl}:{fc} of the formula)" if col is None else ""
        else:
            line, col, where = src.line, None, ""
        raise CompileError(f"{src.label}: {msg}{where}", file=src.file, line=line,
                           column=col) from None
    markers: dict[Term, int] = {}
    if marks:
        assert t.op is Op.FORALL
        for v, pos in zip(t.bound_vars, positions, strict=True):
            markers[v] = pos
        t = t.args[0]
    return _Rewriter(locals_, markers, src, text).run(t)


class _Rewriter:
    def __init__(self, locals_: Mapping[str, LocalInfo], markers: dict[Term, int],
                 src: SpecSource, text: str) -> None:
        self.opt = {info.sym.name: info for info in locals_.values() if info.def_sym is not None}
        self.markers = markers
        self.src = src
        self.text = text
        self.memo: dict[Term, Term] = {}

    def error(self, marker: Term | None, msg: str) -> CompileError:
        if marker is not None:
            pos = self.markers[marker]
            before = self.text[:pos]
            fl = before.count("\n") + 1
            fc = pos - (before.rfind("\n") + 1) + 1
            line, col = self.src.locate(fl, fc, self.text)
            where = f" (at {fl}:{fc} of the formula)" if col is None else ""
            return CompileError(f"{self.src.label}: {msg}{where}", file=self.src.file, line=line,
                                column=col)
        return CompileError(f"{self.src.label}: {msg}", file=self.src.file, line=self.src.line)

    def run(self, t: Term) -> Term:
        out = self.go(t)
        left = free_vars(out) & set(self.markers)
        if left:
            m = min(left, key=lambda v: self.markers[v])
            raise self.error(m, "'?' (undefined) can only be compared with = or != to an optional "
                                "local, as in vote(i) != ?")
        return out

    def optional(self, t: Term) -> Val | None:
        if t.op is Op.APP and t.payload.name in self.opt:
            info = self.opt[t.payload.name]
            assert info.def_sym is not None
            d = App(info.def_sym.versioned(t.payload.version), *t.args)
            return Val(info.ty, t, d)
        return None

    def go(self, t: Term) -> Term:
        hit = self.memo.get(t)
        if hit is not None:
            return hit
        res = self._go(t)
        self.memo[t] = res
        return res

    def _go(self, t: Term) -> Term:
        op = t.op
        if op in (Op.EQ, Op.IFF, Op.LT, Op.LE, Op.GT, Op.GE):
            a, b = t.args
            if a in self.markers or b in self.markers:
                if op not in (Op.EQ, Op.IFF):
                    m = a if a in self.markers else b
                    raise self.error(m, "'?' (undefined) is not ordered: compare it with = or !=")
                m, other = (a, b) if a in self.markers else (b, a)
                if other in self.markers:
                    raise self.error(m, "'? = ?' compares nothing")
                ov = self.optional(other)
                if ov is None:
                    raise self.error(m, "'?' can only be compared with an optional local "
                                        "(declared Local(T | None)), as in vote(i) != ?")
                return mk_not(ov.defined)
            va, vb = self.optional(a), self.optional(b)
            if va is None and vb is None:
                return self.rebuild(t)
            ra, rb = self.go(a), self.go(b)
            xa = va if va is not None else Val(_strict_ty(vb), ra)  # type: ignore[arg-type]
            xb = vb if vb is not None else Val(_strict_ty(va), rb)  # type: ignore[arg-type]
            if op in (Op.EQ, Op.IFF):
                return eq(xa, xb)
            if op is Op.LT:
                return lt(xa, xb)
            if op is Op.LE:
                return le(xa, xb)
            if op is Op.GT:
                return lt(xb, xa)
            return le(xb, xa)
        if op is Op.APP and t.sort is BOOL:
            ov = self.optional(t)
            if ov is not None:
                # an optional Boolean local as a formula: Python's truth of its value (None is
                # false), not the raw value the logic keeps for an undefined local
                return mk_and(ov.defined, t)
        return self.rebuild(t)

    def rebuild(self, t: Term) -> Term:
        if not t.args:
            return t
        args = tuple(self.go(a) for a in t.args)
        if all(x is y for x, y in zip(args, t.args, strict=True)):
            return t
        if t.op is Op.NOT:
            return mk_not(args[0])
        return rebuild(t, args)


def _strict_ty(v: Val) -> object:
    return v.ty.strict()


__all__ = ["compile_spec", "SpecSource"]
