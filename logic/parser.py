"""The paper-like text notation of the cardinality logic, and ``.hol`` problem files.

::

    forall i, j. decided(i) and decided(j) -> decision(i) = decision(j)
    ∃v. |{i | x(i) = v}| > 2n/3 ∧ ∀i. decided(i) → decision(i) = v

:func:`parse` reads a formula (or a term) against a :class:`~logic.signature.Signature` in two
passes: a hand-written lexer and recursive-descent / precedence-climbing parser produce an untyped
syntax tree with source positions; then the sorts of unannotated bound variables are inferred by
unification, and the term is built with the constructors of :mod:`logic.terms`. Every failure, for
any input string, is a :class:`~logic.errors.LogicError` located at the offending token (1-based
line and column) that says what was found and what was expected.

Grammar, loosest binding first (ASCII and Unicode spellings are interchangeable)::

    forall/∀, exists/∃ binders. body     if c then a else b      (bodies extend to the right)
    a <-> b      <=> ⇔ ↔                  (not associative)
    a -> b       => ==> → ⇒               (right associative)
    a or b       ∨
    a and b      ∧ &
    not a        ¬ !
    a = b  a != b  a < b  a <= b  a > b  a >= b  i in S  i notin S  A subset B
                 == ≠ ≤ ≥ ∈ ∉ ⊆           (comparisons do not chain)
    A union B    A \\ B  (also minus)      ∪ ∖
    A inter B    ∩
    a + b  a - b
    a * b  a / b  a // b                  (/ exact, // floor; the divisor is a constant)
    -a
    atoms: 12  n  2n  true false ⊤ ⊥  x  c  x(i)  old(x)(i)  init(x)(i)  x'(i)  |S|  card(S)
           {i | φ}  {i. φ}  {i: Proc | φ}  {i in S | φ}  {}  ∅  ( ... )

Binders: ``forall i, j. φ``, annotated ``exists v: Val. φ`` (an annotation applies to the names
since the previous one: ``forall i, j: Proc, v: Val. φ``), and guarded ``forall p in S. φ`` (for
``forall p. p in S -> φ``) / ``exists p in S. φ`` (for ``exists p. p in S and φ``), also with
``notin``. Unannotated binders get the sort their uses require (``Proc`` if unconstrained, ``Int``
if only compared with ``<``). ``# comments`` run to the end of the line; newlines are whitespace.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NoReturn, cast

from logic.errors import LogicError, ParseError, SortError, SourceLocation, UnknownSymbolError
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
    free_vars,
)

__all__ = ["parse", "parse_problem", "Problem", "Goal", "KEYWORDS", "STATE_COPIES"]

#: Words of the notation that cannot name a variable, a constant or a function.
KEYWORDS: frozenset[str] = frozenset({
    "forall", "exists", "not", "and", "or", "true", "false", "if", "then", "else", "in", "notin",
    "subset", "union", "inter", "minus"})

#: The state-copy tags the notation knows: ``old(x)``, ``init(x)`` and ``x'`` (``next``).
STATE_COPIES: tuple[str, ...] = ("old", "init", "next")

# Syntactic nesting (brackets, binders, prefix operators, right operands) and syntax-tree depth are
# bounded so that parsing, sort inference and term construction stay far from Python's recursion
# limit: a deeper input is a ParseError, never a RecursionError.
MAX_NESTING = 100
MAX_DEPTH = 200
_MAX_INT_DIGITS = 1000

# ==== lexer =======================================================================================

_MULTI: tuple[tuple[str, str], ...] = (
    ("==>", "->"), ("<->", "<->"), ("<=>", "<->"),
    ("->", "->"), ("=>", "->"), ("<=", "<="), (">=", ">="), ("==", "="), ("!=", "!="),
    ("//", "//"), ("&&", "and"),
)
_SINGLE: dict[str, str] = {
    "=": "=", "<": "<", ">": ">", "!": "not", "&": "and", "+": "+", "-": "-", "*": "*", "/": "/",
    "\\": "minus", "(": "(", ")": ")", "{": "{", "}": "}", ",": ",", ".": ".", ":": ":", "|": "|",
    "'": "'",
    "∀": "forall", "∃": "exists", "¬": "not", "∧": "and", "∨": "or", "⇒": "->", "→": "->",
    "⟹": "->", "⇔": "<->", "↔": "<->", "⟺": "<->", "⊤": "true", "⊥": "false", "≠": "!=",
    "≤": "<=", "≥": ">=", "∈": "in", "∉": "notin", "⊆": "subset", "∪": "union", "∩": "inter",
    "∖": "minus", "∅": "empty", "−": "-", "·": "*", "×": "*", "∣": "|", "′": "'",
}
_DIGITS = "0123456789"
_DECLARATION_LINE = re.compile(r"(sort|function|constant|versions|prove|sat|unsat)(?![\w'])")


def _next_content_line(text: str, pos: int) -> int:
    """The start of the first line at or after ``pos`` that is not blank or a comment (or the
    end of ``text``)."""
    n = len(text)
    while pos < n:
        k = pos
        while k < n and text[k] in " \t\r\f\v":
            k += 1
        if k < n and text[k] not in "#\n":
            return pos
        nl = text.find("\n", k)
        if nl < 0:
            return n
        pos = nl + 1
    return n


@dataclass(frozen=True, slots=True)
class _Tok:
    """A token: ``kind`` is ident, int, op (``value`` canonical), nl or eof."""

    kind: str
    value: str
    text: str
    line: int
    col: int
    start: int
    end: int

    def describe(self) -> str:
        if self.kind == "eof":
            return self.text
        if self.kind == "nl":
            return "end of line"
        if self.kind == "ident":
            return f"identifier {self.text!r}"
        if self.kind == "int":
            return f"number {_clip(self.text)}"
        return repr(self.text)

    def is_op(self, *values: str) -> bool:
        return self.kind == "op" and self.value in values

    @property
    def where(self) -> str:
        return f"{self.line}:{self.col}"


def _clip(s: str, width: int = 40) -> str:
    s = " ".join(s.split())
    return s if len(s) <= width else s[:width - 3] + "..."


def _lex(text: str, source: str, *, problem: bool = False, eof_text: str = "end of input"
         ) -> list[_Tok]:
    """Tokens of ``text``.

    With ``problem``, a newline ends a logical line (an ``nl`` token) except after a ``\\``,
    inside open brackets, or before an indented line; but a line that starts with a declaration
    keyword (``sort``, ``function``, ..., ``prove``, ``sat``, ``unsat``) at column 1 always starts
    a new logical line, and so does an indented one outside brackets.
    """
    toks: list[_Tok] = []
    i, n = 0, len(text)
    line, line_start = 1, 0
    depth = 0
    resume = 0          # newlines before this offset were already found to continue the line

    def fail(pos: int, message: str) -> NoReturn:
        raise ParseError(message, SourceLocation(line, pos - line_start + 1, source))

    def emit(kind: str, value: str, start: int, end: int) -> None:
        toks.append(_Tok(kind, value, text[start:end], line, start - line_start + 1, start, end))

    while i < n:
        ch = text[i]
        if ch == "\n":
            if problem and toks and toks[-1].kind != "nl" and i >= resume:
                j = _next_content_line(text, i + 1)
                k = j
                while k < n and text[k] in " \t":
                    k += 1
                if j == n or _DECLARATION_LINE.match(text, j) or (
                        depth == 0 and (k == j or _DECLARATION_LINE.match(text, k))):
                    emit("nl", "\n", i, i + 1)
                    depth = 0
                else:
                    resume = j
            i += 1
            line, line_start = line + 1, i
            continue
        if ch.isspace():
            i += 1
            continue
        if ch == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        if ch == "\\" and problem:
            j = i + 1
            while j < n and text[j] in " \t\r\f\v":
                j += 1
            if j == n:
                i = j
                continue
            if text[j] == "\n":
                i = j + 1
                line, line_start = line + 1, i
                continue
        if ch in _DIGITS:
            j = i + 1
            while j < n and text[j] in _DIGITS:
                j += 1
            if j - i > _MAX_INT_DIGITS:
                fail(i, f"integer literal too long ({j - i} digits; at most {_MAX_INT_DIGITS})")
            emit("int", text[i:j], i, j)
            i = j
            continue
        if ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            emit("op" if word in KEYWORDS else "ident", word, i, j)
            i = j
            continue
        for sym, value in _MULTI:
            if text.startswith(sym, i):
                emit("op", value, i, i + len(sym))
                i += len(sym)
                break
        else:
            value = _SINGLE.get(ch, "")
            if not value:
                fail(i, f"unexpected character {ch!r}; expected a name, a number, an operator "
                        f"or a bracket")
            emit("op", value, i, i + 1)
            i += 1
            if value in ("(", "{"):
                depth += 1
            elif value in (")", "}"):
                depth = max(0, depth - 1)
    toks.append(_Tok("eof", "", eof_text, line, n - line_start + 1, n, n))
    return toks


# ==== untyped syntax tree =========================================================================

@dataclass(eq=False, slots=True)
class _Binder:
    """A bound variable as written: its name, annotation and ``in S`` / ``notin S`` guard."""

    name: str
    tok: _Tok
    annotation: Sort | None = None
    ann_tok: _Tok | None = None
    guard: tuple[str, _Node] | None = None
    tvar: _TVar | None = None


@dataclass(frozen=True, slots=True)
class _AppRef:
    name: str
    version: str | None
    tok: _Tok          # the function name's token


@dataclass(eq=False, slots=True)
class _Node:
    """``kind`` is one of: name int bool nprocs empty app card not neg bin add and or ite quant
    comp. ``tok`` is the first token, ``op`` the operator token, ``end`` the source offset after
    the node."""

    kind: str
    tok: _Tok
    end: int
    args: tuple[_Node, ...] = ()
    data: Any = None
    op: _Tok | None = None
    depth: int = 1


_INFIX: dict[str, int] = {
    "<->": 2, "->": 3, "or": 4, "and": 5,
    "=": 7, "!=": 7, "<": 7, "<=": 7, ">": 7, ">=": 7, "in": 7, "notin": 7, "subset": 7,
    "union": 8, "minus": 8, "inter": 9, "+": 10, "-": 10, "*": 11, "/": 11, "//": 11,
}
_L_IFF, _L_IMP, _L_OR, _L_AND, _L_NOT, _L_CMP, _L_UNION = 2, 3, 4, 5, 6, 7, 8
_L_UNARY = 12
_COMPARISONS = frozenset(op for op, level in _INFIX.items() if level == _L_CMP)


class _Parser:
    """Recursive descent over one token list (a formula, or one line of a problem file)."""

    def __init__(self, toks: list[_Tok], source: str, signature: Signature) -> None:
        self.toks = toks
        self.i = 0
        self.source = source
        self.sig = signature
        self.nesting = 0

    # ---- token access -----------------------------------------------------------------------
    def peek(self, k: int = 0) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def advance(self) -> _Tok:
        tok = self.toks[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    @property
    def last_end(self) -> int:
        return self.toks[self.i - 1].end if self.i > 0 else self.toks[0].start

    def loc(self, tok: _Tok) -> SourceLocation:
        return SourceLocation(tok.line, tok.col, self.source)

    def fail(self, tok: _Tok, message: str) -> NoReturn:
        raise ParseError(message, self.loc(tok))

    def expect(self, value: str, context: str) -> _Tok:
        tok = self.peek()
        if not tok.is_op(value):
            self.fail(tok, f"expected '{value}' {context}, found {tok.describe()}")
        return self.advance()

    def expect_close(self, value: str, opener: _Tok) -> _Tok:
        return self.expect(value, f"to close '{opener.text}' opened at {opener.where}")

    def expect_ident(self, what: str) -> _Tok:
        tok = self.peek()
        if tok.kind != "ident":
            extra = " (a keyword)" if tok.kind == "op" and tok.value in KEYWORDS else ""
            self.fail(tok, f"expected {what}, found {tok.describe()}{extra}")
        return self.advance()

    def mk(self, kind: str, tok: _Tok, args: tuple[_Node, ...] = (), data: Any = None,
           op: _Tok | None = None, extra: tuple[_Node, ...] = ()) -> _Node:
        depth = 1 + max((a.depth for a in (*args, *extra)), default=0)
        if depth > MAX_DEPTH:
            self.fail(op or tok, f"formula nested too deeply (more than {MAX_DEPTH} levels of "
                           f"operators); split it into smaller formulas")
        return _Node(kind, tok, self.last_end, args, data, op, depth)

    # ---- formulas ---------------------------------------------------------------------------
    def formula(self) -> _Node:
        if self.peek().kind == "eof":
            self.fail(self.peek(), f"expected a formula, found {self.peek().describe()}")
        node = self.expr(1)
        tok = self.peek()
        if tok.kind != "eof":
            hint = ""
            if tok.is_op("|"):
                hint = " ('|' only delimits |S| and {i | ...}; write 'or' for disjunction)"
            elif tok.is_op(")", "}"):
                hint = f" (no bracket is open that '{tok.text}' could close)"
            self.fail(tok, f"expected an operator or {self.toks[-1].text}, found "
                           f"{tok.describe()}{hint}")
        return node

    def expr(self, min_level: int) -> _Node:
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                self.fail(self.peek(), f"formula nested too deeply (more than {MAX_NESTING} "
                                       f"levels of brackets and operators)")
            return self._expr(min_level)
        finally:
            self.nesting -= 1

    def _expr(self, min_level: int) -> _Node:
        left = self.prefix()
        while True:
            tok = self.peek()
            level = _INFIX.get(tok.value) if tok.kind == "op" else None
            if level is None or level < min_level:
                return left
            self.advance()
            op = tok.value
            if level == _L_CMP:
                right = self.expr(_L_UNION)
                left = self.mk("bin", left.tok, (left, right), op, tok)
                nxt = self.peek()
                if nxt.kind == "op" and nxt.value in _COMPARISONS:
                    self.fail(nxt, f"comparisons do not chain: '{nxt.text}' cannot follow "
                                   f"'{tok.text}' (write 'a {tok.text} b and b {nxt.text} c', "
                                   f"or add parentheses)")
            elif level == _L_IFF:
                right = self.expr(_L_IMP)
                left = self.mk("bin", left.tok, (left, right), op, tok)
                if self.peek().is_op("<->"):
                    self.fail(self.peek(), f"'{self.peek().text}' is not associative: add "
                                           f"parentheses")
            elif level == _L_IMP:
                right = self.expr(_L_IMP)
                left = self.mk("bin", left.tok, (left, right), op, tok)
            elif op in ("and", "or", "+"):
                args = [left, self.expr(level + 1)]
                while self.peek().is_op(op):
                    self.advance()
                    args.append(self.expr(level + 1))
                left = self.mk("add" if op == "+" else op, left.tok, tuple(args), None, tok)
            else:
                right = self.expr(level + 1)
                left = self.mk("bin", left.tok, (left, right), op, tok)

    def prefix(self) -> _Node:
        tok = self.peek()
        if tok.is_op("not"):
            self.advance()
            operand = self.expr(_L_NOT)
            return self.mk("not", tok, (operand,))
        if tok.is_op("-"):
            self.advance()
            if self.peek().kind == "int":
                return self.int_literal(tok, negate=True)
            operand = self.expr(_L_UNARY)
            return self.mk("neg", tok, (operand,))
        if tok.is_op("forall", "exists"):
            return self.quantifier()
        if tok.is_op("if"):
            return self.ite()
        return self.primary()

    def quantifier(self) -> _Node:
        kw = self.advance()
        binders: list[_Binder] = []
        group: list[_Binder] = []
        guards: list[_Node] = []
        seen: dict[str, _Tok] = {}
        while True:
            after = f"'{kw.text}'" if not binders else "','"
            name = self.binder_name(f"a variable name after {after}")
            if name.value in seen:
                self.fail(name, f"'{name.value}' is bound twice by this '{kw.text}' (first at "
                                f"{seen[name.value].where})")
            seen[name.value] = name
            b = _Binder(name.value, name)
            binders.append(b)
            group.append(b)
            tok = self.peek()
            if tok.is_op(":"):
                self.advance()
                sort, stok = self.sort()
                for g in group:
                    g.annotation, g.ann_tok = sort, stok
                group = []
            elif tok.is_op("in", "notin"):
                self.advance()
                s = self.expr(_L_UNION)
                guards.append(s)
                for g in group:
                    g.guard = (tok.value, s)
                group = []
            tok = self.peek()
            if tok.is_op(","):
                self.advance()
                continue
            if tok.is_op("."):
                self.advance()
                break
            self.fail(tok, f"expected '.' after the bound variables of '{kw.text}' (or ',' "
                           f"before another variable), found {tok.describe()}")
        body = self.expr(1)
        return self.mk("quant", kw, (body,), (kw.value, binders), extra=tuple(guards))

    def binder_name(self, what: str) -> _Tok:
        tok = self.expect_ident(what)
        if tok.value == "n":
            self.fail(tok, "'n' is the number of processes and cannot be bound; choose "
                           "another name")
        return tok

    def ite(self) -> _Node:
        kw = self.advance()
        cond = self.expr(1)
        self.expect("then", f"after the condition of 'if' at {kw.where}")
        then = self.expr(1)
        self.expect("else", f"for 'if' at {kw.where}")
        other = self.expr(1)
        return self.mk("ite", kw, (cond, then, other))

    def sort(self) -> tuple[Sort, _Tok]:
        tok = self.peek()
        if tok.kind != "ident":
            self.fail(tok, f"expected a sort (Proc, Int, Bool, Set(Proc) or a declared value "
                           f"sort), found {tok.describe()}")
        self.advance()
        if tok.value == "Set":
            self.expect("(", "after 'Set' (the only set sort is Set(Proc))")
            elem = self.peek()
            if not (elem.kind == "ident" and elem.value == "Proc"):
                self.fail(elem, f"expected 'Proc' in Set(...): the only set sort is Set(Proc), "
                                f"found {elem.describe()}")
            self.advance()
            self.expect(")", "to close 'Set(Proc'")
            return SET_PROC, tok
        try:
            return self.sig.sort(tok.value), tok
        except LogicError as e:
            raise e.with_location(self.loc(tok)) from None

    def primary(self) -> _Node:
        tok = self.peek()
        if tok.kind == "int":
            return self.int_literal(tok, negate=False)
        if tok.kind == "ident":
            return self.name()
        if tok.kind == "op":
            if tok.value == "(":
                self.advance()
                inner = self.expr(1)
                close = self.expect_close(")", tok)
                if inner.kind != "name":        # errors about the operand point at its '('
                    inner.tok, inner.end = tok, close.end
                return inner
            if tok.value == "{":
                return self.set_literal()
            if tok.value == "|":
                self.advance()
                inner = self.expr(1)
                self.expect_close("|", tok)
                return self.mk("card", tok, (inner,))
            if tok.value == "empty":
                self.advance()
                return self.mk("empty", tok)
            if tok.value in ("true", "false"):
                self.advance()
                return self.mk("bool", tok, data=tok.value == "true")
        prev = self.toks[self.i - 1] if self.i > 0 else None
        what = "a formula" if prev is None else f"a term after '{prev.text}'"
        self.fail(tok, f"expected {what}, found {tok.describe()}")

    def int_literal(self, start: _Tok, *, negate: bool) -> _Node:
        tok = self.advance()
        value = int(tok.value)
        node = self.mk("int", start, data=-value if negate else value)
        nxt = self.peek()
        if nxt.kind == "ident" and nxt.start == tok.end:      # 2n, as papers write 2n/3
            factor = self.name()
            node = self.mk("bin", start, (node, factor), "*", nxt)
        return node

    def name(self) -> _Node:
        tok = self.advance()
        name = tok.value
        nxt = self.peek()
        declared = name in self.sig.functions or name in self.sig.constants
        if name == "n":
            if nxt.is_op("(", "'"):
                self.fail(nxt, "'n' is the number of processes, not a function")
            return self.mk("nprocs", tok)
        if nxt.is_op("(") and not declared and (name in STATE_COPIES
                                                or name in self.sig.versions):
            self.advance()
            inner = self.peek()
            if inner.kind != "ident" or not self.peek(1).is_op(")"):
                self.fail(inner, f"expected the name of a state variable in '{name}(...)', as "
                                 f"in {name}(x)(i), found {inner.describe()}")
            self.advance()
            self.advance()
            return self.call(tok, _AppRef(inner.value, name, inner))
        if nxt.is_op("(") and name == "card" and not declared:
            self.advance()
            inner_node = self.expr(1)
            self.expect_close(")", nxt)
            return self.mk("card", tok, (inner_node,))
        if nxt.is_op("'"):
            self.advance()
            return self.call(tok, _AppRef(name, "next", tok))
        if nxt.is_op("("):
            return self.call(tok, _AppRef(name, None, tok))
        return self.mk("name", tok, data=name)

    def call(self, start: _Tok, ref: _AppRef) -> _Node:
        opener = self.peek()
        if not opener.is_op("("):
            return self.mk("app", start, data=ref)
        self.advance()
        args: list[_Node] = []
        if not self.peek().is_op(")"):
            args.append(self.expr(1))
            while self.peek().is_op(","):
                self.advance()
                args.append(self.expr(1))
        self.expect_close(")", opener)
        return self.mk("app", start, tuple(args), ref)

    def set_literal(self) -> _Node:
        opener = self.advance()
        if self.peek().is_op("}"):
            self.advance()
            return self.mk("empty", opener)
        name = self.binder_name("a bound variable after '{' (as in {i | x(i) = v}) or '}'")
        b = _Binder(name.value, name)
        extra: tuple[_Node, ...] = ()
        tok = self.peek()
        if tok.is_op(":"):
            self.advance()
            b.annotation, b.ann_tok = self.sort()
        elif tok.is_op("in", "notin"):
            self.advance()
            s = self.expr(_L_UNION)
            b.guard = (tok.value, s)
            extra = (s,)
        tok = self.peek()
        if not tok.is_op("|", "."):
            self.fail(tok, f"expected '|' or '.' after the bound variable '{name.value}' of a "
                           f"set comprehension (as in {{{name.value} | ...}}), found "
                           f"{tok.describe()}")
        self.advance()
        body = self.expr(1)
        self.expect_close("}", opener)
        return self.mk("comp", opener, (body,), b, extra=extra)


# ==== sort inference and term construction ========================================================

class _TVar:
    """A sort variable of an unannotated binder (union-find)."""

    __slots__ = ("parent", "sort", "origin", "ordered")

    def __init__(self) -> None:
        self.parent: _TVar | None = None
        self.sort: Sort | None = None
        self.origin: _Tok | None = None
        self.ordered = False

    def root(self) -> _TVar:
        r = self
        while r.parent is not None:
            r = r.parent
        node = self
        while node.parent is not None and node.parent is not r:
            node.parent, node = r, node.parent
        return r


_Ty = Sort | _TVar


def _resolve(t: _Ty) -> _Ty:
    if isinstance(t, Sort):
        return t
    r = t.root()
    return r.sort if r.sort is not None else r


def _describe_sort(s: Sort) -> str:
    return "a formula (sort Bool)" if s == BOOL else f"a term of sort {s}"


_ARITH = frozenset({"+", "-", "*", "/", "//"})
_SETOPS = frozenset({"union", "inter", "minus"})
_OPNAME = {"minus": "\\", "union": "union", "inter": "inter"}
_BIN_CTORS: dict[str, Callable[[Term, Term], Term]] = {
    "-": Sub, "*": Mul, "/": Div, "//": FloorDiv, "=": Eq, "<": Lt, "<=": Le, ">": Gt, ">=": Ge,
    "in": Member, "subset": Subset, "union": Union_, "inter": Inter, "minus": Diff,
    "->": Implies, "<->": Iff,
}


class _Checker:
    """Pass two: infer the sorts of unannotated binders, then build the term."""

    def __init__(self, signature: Signature, bound: Mapping[str, Term], text: str,
                 source: str) -> None:
        self.sig = signature
        self.bound = bound
        self.text = text
        self.source = source
        self.binder_of: dict[int, _Binder] = {}

    def loc(self, tok: _Tok) -> SourceLocation:
        return SourceLocation(tok.line, tok.col, self.source)

    def snippet(self, node: _Node) -> str:
        return repr(_clip(self.text[node.tok.start:node.end]))

    def check(self, node: _Node, expected: Sort | None) -> Term:
        ty = self.infer(node, {})
        if expected is not None:
            found = _resolve(ty)
            if isinstance(found, _TVar):
                found.sort, found.origin = expected, node.tok
            elif found != expected:
                raise SortError(f"expected {_describe_sort(expected)}, found {self.snippet(node)}"
                                f" of sort {found}{self.provenance(node)}", self.loc(node.tok))
        return self.build(node, {})

    # ---- inference --------------------------------------------------------------------------
    def provenance(self, node: _Node) -> str:
        b = self.binder_of.get(id(node))
        if b is None or b.tvar is None:
            return ""
        r = b.tvar.root()
        if r.origin is None:
            return ""
        return f" (the sort of '{b.name}' is inferred from its use at {r.origin.where})"

    def need(self, node: _Node, ty: _Ty, want: Sort, context: str) -> None:
        found = _resolve(ty)
        if isinstance(found, _TVar):
            found.sort, found.origin = want, node.tok
        elif found != want:
            raise SortError(f"{context}: expected {_describe_sort(want)}, found "
                            f"{self.snippet(node)} of sort {found}{self.provenance(node)}",
                            self.loc(node.tok))

    def same(self, a: _Node, ta: _Ty, b: _Node, tb: _Ty, context: str) -> _Ty:
        ra, rb = _resolve(ta), _resolve(tb)
        if isinstance(ra, _TVar) and isinstance(rb, _TVar):
            if ra is not rb:
                ra.parent = rb
                rb.ordered = rb.ordered or ra.ordered
            return rb
        if isinstance(ra, _TVar):
            assert isinstance(rb, Sort)
            ra.sort, ra.origin = rb, b.tok
            return rb
        if isinstance(rb, _TVar):
            rb.sort, rb.origin = ra, a.tok
            return ra
        if ra != rb:
            raise SortError(f"{context}, found {self.snippet(a)} of sort {ra} and "
                            f"{self.snippet(b)} of sort {rb}"
                            f"{self.provenance(b) or self.provenance(a)}", self.loc(b.tok))
        return ra

    def lookup(self, name: str, scope: Mapping[str, _Binder]) -> _Binder | Term | None:
        """A bare name: a bound variable, a ``bound`` term, a constant, a 0-ary function."""
        b = scope.get(name)
        if b is not None:
            return b
        t = self.bound.get(name)
        if t is not None:
            return t
        if name in self.sig.constants:
            return self.sig.constant(name)
        return None

    def unknown(self, tok: _Tok, kind: str, candidates: list[str]) -> NoReturn:
        names = list(dict.fromkeys(candidates))
        known = ", ".join(names) if names else "none"
        close = difflib.get_close_matches(tok.value, names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise UnknownSymbolError(f"unknown {kind} '{tok.value}'; known names: {known}{hint}",
                                 self.loc(tok))

    def function(self, ref: _AppRef, scope: Mapping[str, _Binder]) -> FunctionSymbol:
        name, tok = ref.name, ref.tok
        if name not in self.sig.functions:
            if self.lookup(name, scope) is not None:
                what = "a bound variable" if name in scope else "a constant"
                if ref.version is not None:
                    raise SortError(f"'{name}' is {what}; only functions have state copies "
                                    f"like {ref.version}(x)", self.loc(tok))
                raise SortError(f"'{name}' is {what}, not a function: it takes no arguments",
                                self.loc(tok))
            self.unknown(tok, "function", list(self.sig.functions))
        if ref.version is not None and ref.version not in self.sig.versions:
            shown = f"{name}'" if ref.version == "next" else f"{ref.version}({name})"
            allowed = ", ".join(self.sig.versions) or "none"
            raise UnknownSymbolError(f"{shown} is not available here; state copies allowed: "
                                     f"{allowed}", self.loc(tok))
        try:
            return self.sig.function(name, ref.version)
        except LogicError as e:
            raise e.with_location(self.loc(tok)) from None

    @staticmethod
    def arity_message(name: str, arity: int, given: int) -> str:
        return f"'{name}' takes {arity} argument{'' if arity == 1 else 's'}, given {given}"

    def binder_sort(self, b: _Binder) -> _Ty:
        if b.annotation is not None:
            return b.annotation
        if b.tvar is None:
            b.tvar = _TVar()
        return b.tvar

    def infer_binders(self, binders: list[_Binder], scope: dict[str, _Binder]) -> None:
        for b in binders:
            if b.guard is not None:
                _, s = b.guard
                self.need(s, self.infer(s, scope), SET_PROC, f"the set of '{b.name} "
                                                             f"{b.guard[0]} ...'")
                self.need(_Node("name", b.tok, b.tok.end), self.binder_sort(b), PROC,
                          "a variable ranging over a set")
            else:
                self.binder_sort(b)

    def infer(self, node: _Node, scope: dict[str, _Binder]) -> _Ty:
        k = node.kind
        if k == "int" or k == "nprocs":
            return INT
        if k == "bool":
            return BOOL
        if k == "empty":
            return SET_PROC
        if k == "name":
            return self.infer_name(node, scope)
        if k == "app":
            ref = cast(_AppRef, node.data)
            sym = self.function(ref, scope)
            if len(node.args) != sym.arity:
                raise SortError(self.arity_message(sym.display_name, sym.arity, len(node.args)),
                                self.loc(ref.tok))
            for i, (a, s) in enumerate(zip(node.args, sym.domain, strict=True), start=1):
                self.need(a, self.infer(a, scope), s, f"argument {i} of {sym.display_name}")
            return sym.codomain
        if k == "card":
            self.need(node.args[0], self.infer(node.args[0], scope), SET_PROC,
                      "argument of |...|")
            return INT
        if k == "not" or k == "and" or k == "or":
            for a in node.args:
                self.need(a, self.infer(a, scope), BOOL, f"operand of '{self.opname(node)}'")
            return BOOL
        if k == "neg" or k == "add":
            for a in node.args:
                self.need(a, self.infer(a, scope), INT, f"operand of '{self.opname(node)}'")
            return INT
        if k == "bin":
            return self.infer_bin(node, scope)
        if k == "ite":
            c, a, b = node.args
            self.need(c, self.infer(c, scope), BOOL, "condition of if-then-else")
            ta, tb = self.infer(a, scope), self.infer(b, scope)
            return self.same(a, ta, b, tb, "the branches of if-then-else must have one sort")
        if k == "quant":
            _, binders = cast(tuple[str, list[_Binder]], node.data)
            self.infer_binders(binders, scope)
            inner = dict(scope)
            inner.update((qb.name, qb) for qb in binders)
            body = node.args[0]
            self.need(body, self.infer(body, inner), BOOL, f"body of '{node.tok.text}'")
            return BOOL
        if k == "comp":
            cb = cast(_Binder, node.data)
            if cb.annotation is not None and cb.annotation != PROC:
                assert cb.ann_tok is not None
                raise SortError(f"a set comprehension binds a process: expected sort Proc for "
                                f"'{cb.name}', found {cb.annotation}", self.loc(cb.ann_tok))
            cb.annotation = PROC
            self.infer_binders([cb], scope)
            inner = dict(scope)
            inner[cb.name] = cb
            body = node.args[0]
            self.need(body, self.infer(body, inner), BOOL, "body of a set comprehension")
            return SET_PROC
        raise AssertionError(f"unknown node kind {k}")  # pragma: no cover

    def opname(self, node: _Node) -> str:
        if node.kind == "neg":
            return "unary -"
        if node.kind == "not":
            return node.tok.text
        return node.op.text if node.op is not None else node.kind

    def infer_name(self, node: _Node, scope: dict[str, _Binder]) -> _Ty:
        name: str = node.data
        hit = self.lookup(name, scope)
        if isinstance(hit, _Binder):
            self.binder_of[id(node)] = hit
            return self.binder_sort(hit)
        if isinstance(hit, Term):
            return hit.sort
        f = self.sig.functions.get(name)
        if f is not None:
            if f.arity:
                raise SortError(self.arity_message(name, f.arity, 0) + f" (write {name}(...))",
                                self.loc(node.tok))
            return f.codomain
        self.unknown(node.tok, "name", [*scope, *self.bound, *self.sig.constants,
                                        *self.sig.functions, "n"])

    def infer_bin(self, node: _Node, scope: dict[str, _Binder]) -> _Ty:
        op = cast(str, node.data)
        a, b = node.args
        # the operator as written (a juxtaposition like 2n has an identifier as its "operator")
        text = node.op.text if node.op is not None and node.op.kind == "op" else op
        ta, tb = self.infer(a, scope), self.infer(b, scope)
        if op in _ARITH:
            self.need(a, ta, INT, f"left operand of '{text}'")
            self.need(b, tb, INT, f"right operand of '{text}'")
            return INT
        if op in ("=", "!="):
            self.same(a, ta, b, tb, f"'{text}' compares terms of one sort")
            return BOOL
        if op in ("<", "<=", ">", ">="):
            r = self.same(a, ta, b, tb, f"'{text}' compares terms of one sort")
            if isinstance(r, _TVar):
                r.ordered = True
            return BOOL
        if op in ("in", "notin"):
            self.need(a, ta, PROC, f"element of '{text}'")
            self.need(b, tb, SET_PROC, f"set of '{text}'")
            return BOOL
        if op == "subset" or op in _SETOPS:
            self.need(a, ta, SET_PROC, f"left operand of '{text}'")
            self.need(b, tb, SET_PROC, f"right operand of '{text}'")
            return BOOL if op == "subset" else SET_PROC
        self.need(a, ta, BOOL, f"left operand of '{text}'")
        self.need(b, tb, BOOL, f"right operand of '{text}'")
        return BOOL

    # ---- construction -----------------------------------------------------------------------
    def sort_of(self, b: _Binder) -> Sort:
        if b.annotation is not None:
            return b.annotation
        assert b.tvar is not None
        r = b.tvar.root()
        if r.sort is not None:
            return r.sort
        return INT if r.ordered else PROC

    def make(self, tok: _Tok, ctor: Callable[..., Term], *args: Any) -> Term:
        try:
            return ctor(*args)
        except LogicError as e:
            raise e.with_location(self.loc(tok)) from None

    def guard_term(self, b: _Binder, v: Term, env: dict[str, Term], binds: list[Term]) -> Term:
        assert b.guard is not None
        kind, node = b.guard
        s = self.build(node, env)
        captured = [x for x in binds if x in free_vars(s)]
        if captured:
            raise ParseError(f"the set {self.snippet(node)} mentions '{captured[0].name}', which "
                             f"is bound here; rename the bound variable", self.loc(node.tok))
        m = self.make(b.tok, Member, v, s)
        return m if kind == "in" else self.make(b.tok, Not, m)

    def build(self, node: _Node, env: dict[str, Term]) -> Term:
        k = node.kind
        tok = node.op if node.op is not None else node.tok
        if k == "int":
            return IntConst(cast(int, node.data))
        if k == "nprocs":
            return N
        if k == "bool":
            return TRUE if node.data else FALSE
        if k == "empty":
            return EMPTY
        if k == "name":
            name = cast(str, node.data)
            hit = env.get(name)
            if hit is not None:
                return hit
            got = self.lookup(name, {})
            if isinstance(got, Term):
                return got
            return self.make(node.tok, App, self.sig.functions[name])
        if k == "app":
            ref = cast(_AppRef, node.data)
            sym = self.function(ref, {})
            return self.make(ref.tok, App, sym, *(self.build(a, env) for a in node.args))
        args = [self.build(a, env) for a in node.args] if k not in ("quant", "comp") else []
        if k == "card":
            return self.make(node.tok, Card, args[0])
        if k == "not":
            return self.make(node.tok, Not, args[0])
        if k == "neg":
            return self.make(node.tok, Neg, args[0])
        if k == "add":
            return self.make(tok, Add, *args)
        if k == "and":
            return self.make(tok, And, *args)
        if k == "or":
            return self.make(tok, Or, *args)
        if k == "ite":
            return self.make(node.tok, Ite, *args)
        if k == "bin":
            op = cast(str, node.data)
            if op == "!=":
                return self.make(tok, Not, self.make(tok, Eq, *args))
            if op == "notin":
                return self.make(tok, Not, self.make(tok, Member, *args))
            if op in ("/", "//"):
                tok = node.args[1].tok     # a bad divisor is the divisor's fault
            return self.make(tok, _BIN_CTORS[op], *args)
        if k == "quant":
            kind, binders = cast(tuple[str, list[_Binder]], node.data)
            vs = [self.make(b.tok, Var, b.name, self.sort_of(b)) for b in binders]
            guards = [self.guard_term(b, v, env, vs)
                      for b, v in zip(binders, vs, strict=True) if b.guard is not None]
            inner = dict(env)
            inner.update((b.name, v) for b, v in zip(binders, vs, strict=True))
            body = self.build(node.args[0], inner)
            if guards:
                if kind == "forall":
                    premise = guards[0] if len(guards) == 1 else self.make(node.tok, And, *guards)
                    body = self.make(node.tok, Implies, premise, body)
                else:
                    body = self.make(node.tok, And, *guards, body)
            return self.make(node.tok, Forall if kind == "forall" else Exists, vs, body)
        if k == "comp":
            b = cast(_Binder, node.data)
            v = self.make(b.tok, Var, b.name, PROC)
            guard = self.guard_term(b, v, env, [v]) if b.guard is not None else None
            inner = dict(env)
            inner[b.name] = v
            body = self.build(node.args[0], inner)
            if guard is not None:
                body = self.make(node.tok, And, guard, body)
            return self.make(node.tok, Comprehension, v, body)
        raise AssertionError(f"unknown node kind {k}")  # pragma: no cover


# ==== entry points ================================================================================

def _located_recursion_error(parser: _Parser) -> ParseError:
    return ParseError("formula nested too deeply", parser.loc(parser.peek()))


def parse(text: str, signature: Signature, *, source: str = "<string>",
          bound: Mapping[str, Term] | None = None, expected: Sort | None = BOOL) -> Term:
    """The term written ``text``, type-checked against ``signature``.

    ``bound`` names extra terms the text may mention by name (they shadow constants; bound
    variables of the text shadow them). ``expected`` is the sort the whole text must have
    (a formula by default; ``None`` for any sort). Raises a located :class:`LogicError`
    (:class:`ParseError`, :class:`UnknownSymbolError` or :class:`SortError`) on bad input.
    """
    toks = _lex(text, source)
    parser = _Parser(toks, source, signature)
    try:
        node = parser.formula()
        return _Checker(signature, bound or {}, text, source).check(node, expected)
    except RecursionError:
        raise _located_recursion_error(parser) from None


# ==== problem files ===============================================================================

GoalKind = Literal["prove", "sat", "unsat"]


@dataclass(frozen=True)
class Goal:
    """One goal of a problem file: ``prove`` (valid), ``sat`` or ``unsat`` (expected answer)."""

    kind: GoalKind
    name: str
    formula: Term
    location: SourceLocation


@dataclass(frozen=True)
class Problem:
    """A ``.hol`` problem file: a signature and goals about formulas over it."""

    signature: Signature
    goals: tuple[Goal, ...]

    def goal(self, name: str) -> Goal:
        for g in self.goals:
            if g.name == name:
                return g
        raise KeyError(name)


_DECLARATIONS = ("sort", "function", "constant", "versions")
_GOALS: tuple[GoalKind, ...] = ("prove", "sat", "unsat")
_RESERVED_NAMES = frozenset({"n", "card", *STATE_COPIES})


def _logical_lines(toks: list[_Tok]) -> list[list[_Tok]]:
    """Split the tokens of a problem file into logical lines, each ending with an eof token."""
    lines: list[list[_Tok]] = []
    current: list[_Tok] = []
    for tok in toks:
        if tok.kind in ("nl", "eof"):
            if current:
                text = "end of line" if tok.kind == "nl" else "end of file"
                current.append(_Tok("eof", "", text, tok.line, tok.col, tok.start, tok.start))
                lines.append(current)
            current = []
        else:
            current.append(tok)
    return lines


class _ProblemReader:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.sorts: dict[str, Sort] = {}
        self.constants: dict[str, Sort] = {}
        self.functions: dict[str, FunctionSymbol] = {}
        self.versions: list[str] = []
        self.declared: dict[str, _Tok] = {}
        self.sort_sig = Signature()

    def parser(self, line: list[_Tok], signature: Signature) -> _Parser:
        return _Parser(line, self.source, signature)

    def read(self) -> Problem:
        lines = _logical_lines(_lex(self.text, self.source, problem=True,
                                    eof_text="end of file"))
        for line in lines:
            head = line[0]
            if not (head.kind == "ident" and head.value in (*_DECLARATIONS, *_GOALS)):
                what = head.describe()
                if head.kind == "op" and head.value in KEYWORDS:
                    what += " (a keyword)"
                raise ParseError(f"expected a declaration (sort, function, constant, versions) "
                                 f"or a goal (prove, sat, unsat) at the start of a line, found "
                                 f"{what}", SourceLocation(head.line, head.col, self.source))
        for line in lines:
            if line[0].value == "sort":
                self.sort_line(self.parser(line, Signature()))
        self.sort_sig = Signature(self.sorts)
        for line in lines:
            keyword = line[0].value
            if keyword in ("function", "constant", "versions"):
                p = self.parser(line, self.sort_sig)
                getattr(self, f"{keyword}_line")(p)
        try:
            signature = Signature(self.sorts, self.constants, self.functions,
                                  tuple(self.versions))
        except LogicError as e:  # pragma: no cover - the declarations are checked one by one
            raise e.with_location(SourceLocation(1, 1, self.source)) from None
        goals: list[Goal] = []
        names: dict[str, _Tok] = {}
        for line in lines:
            if line[0].value in _GOALS:
                goals.append(self.goal_line(self.parser(line, signature), signature, names))
        return Problem(signature, tuple(goals))

    def end(self, p: _Parser, what: str) -> None:
        tok = p.peek()
        if tok.kind != "eof":
            p.fail(tok, f"expected end of line after {what}, found {tok.describe()}")

    def new_name(self, p: _Parser, what: str) -> _Tok:
        tok = p.expect_ident(f"a name for the {what}")
        if tok.value in _RESERVED_NAMES:
            p.fail(tok, f"'{tok.value}' is reserved in the notation and cannot name a {what}")
        first = self.declared.get(tok.value)
        if first is not None:
            p.fail(tok, f"'{tok.value}' is already declared at {first.where}")
        self.declared[tok.value] = tok
        return tok

    def names(self, p: _Parser, what: str) -> list[_Tok]:
        toks = [self.new_name(p, what)]
        while p.peek().is_op(","):
            p.advance()
            toks.append(self.new_name(p, what))
        return toks

    def sort_line(self, p: _Parser) -> None:
        p.advance()
        tok = p.expect_ident("a name for the value sort")
        if tok.value in self.sorts:
            p.fail(tok, f"sort '{tok.value}' is already declared")
        ordered = False
        if p.peek().kind == "ident" and p.peek().value == "ordered":
            p.advance()
            ordered = True
        self.end(p, f"'sort {tok.value}{' ordered' if ordered else ''}'")
        try:
            self.sorts[tok.value] = value_sort(tok.value, ordered)
        except LogicError as e:
            raise e.with_location(p.loc(tok)) from None

    def constant_line(self, p: _Parser) -> None:
        p.advance()
        toks = self.names(p, "constant")
        p.expect(":", "and a sort after the constant names (as in 'constant v, w: Val')")
        sort, _ = p.sort()
        self.end(p, "the sort of the constants")
        for tok in toks:
            self.constants[tok.value] = sort

    def versions_line(self, p: _Parser) -> None:
        p.advance()
        while True:
            tok = p.expect_ident(f"a state copy ({', '.join(STATE_COPIES)})")
            if tok.value not in STATE_COPIES:
                p.fail(tok, f"unknown state copy '{tok.value}'; expected one of: "
                            f"{', '.join(STATE_COPIES)}")
            if tok.value not in self.versions:
                self.versions.append(tok.value)
            if not p.peek().is_op(","):
                break
            p.advance()
        self.end(p, "the state copies")

    def function_line(self, p: _Parser) -> None:
        p.advance()
        toks = self.names(p, "function")
        p.expect(":", "and a type after the function names (as in 'function x: Proc -> Val')")
        domain: list[Sort] = []
        if p.peek().is_op("("):
            opener = p.advance()
            if not p.peek().is_op(")"):
                domain.append(p.sort()[0])
                while p.peek().is_op(","):
                    p.advance()
                    domain.append(p.sort()[0])
            p.expect_close(")", opener)
            p.expect("->", "after the argument sorts")
            codomain = p.sort()[0]
        else:
            domain.append(p.sort()[0])
            while p.peek().is_op(",", "*") or (p.peek().kind == "ident"
                                               and p.peek().value == "x"):
                p.advance()
                domain.append(p.sort()[0])
            if p.peek().is_op("->"):
                p.advance()
                codomain = p.sort()[0]
            elif len(domain) == 1:
                codomain, domain = domain[0], []
            else:
                p.fail(p.peek(), f"expected '->' and the result sort, found "
                                 f"{p.peek().describe()}")
        self.end(p, "the function's type")
        for tok in toks:
            try:
                self.functions[tok.value] = FunctionSymbol(tok.value, tuple(domain), codomain)
            except LogicError as e:
                raise e.with_location(p.loc(tok)) from None

    def goal_line(self, p: _Parser, signature: Signature, names: dict[str, _Tok]) -> Goal:
        head = p.advance()
        tok = p.expect_ident(f"a goal name after '{head.value}' (as in '{head.value} name: "
                             f"formula')")
        if tok.value in names:
            p.fail(tok, f"goal '{tok.value}' is already defined at {names[tok.value].where}")
        names[tok.value] = tok
        p.expect(":", f"after the goal name '{tok.value}'")
        try:
            node = p.formula()
            formula = _Checker(signature, {}, self.text, self.source).check(node, BOOL)
        except RecursionError:
            raise _located_recursion_error(p) from None
        return Goal(cast(GoalKind, head.value), tok.value, formula, p.loc(head))


def parse_problem(text: str, source: str = "<string>") -> Problem:
    """The problem in ``text`` (the contents of a ``.hol`` file named ``source``).

    One declaration or goal per logical line. A line continues onto the next one if it ends in
    ``\\``, inside open brackets, or when the next line is indented; a line starting with a
    declaration or goal keyword at column 1 always starts a new logical line (so an unclosed
    bracket is reported on its own line)::

        sort Val                      # `sort Val ordered` for an ordered value sort
        function x: Proc -> Val       # also `f: Proc, Int -> Val`, `c: Val` (no arguments)
        constant v, w: Val
        versions old, init, next      # allow old(x)(i), init(x)(i), x'(i)
        prove name: formula           # valid
        sat name: formula             # expected satisfiable
        unsat name: formula           # expected unsatisfiable

    Declarations may come in any order; goals see all of them. Raises a located
    :class:`LogicError` on bad input.
    """
    return _ProblemReader(text, source).read()
