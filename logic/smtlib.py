"""Standalone SMT-LIB 2 scripts from pysmt formulas, for solvers' command-line tools and reports.

:func:`to_smtlib` writes ``set-logic``, ``declare-sort`` for the uninterpreted sorts,
``declare-fun`` for the free symbols, one ``assert`` per top-level conjunct, ``check-sat`` and
``exit``. Subterms that occur more than once in an assertion are named once with ``let`` (in a
quantifier body, subterms shared inside that body), so the script grows linearly with the formula
DAG. The printer covers the Boolean connectives, equality, linear integer arithmetic, uninterpreted
functions and quantifiers; any other operator is printed by pysmt's own SMT-LIB printer.
:func:`z3_binary` finds the ``z3`` executable that the z3-solver wheel installs.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from logic.compat import pysmt_env

if TYPE_CHECKING:
    from pysmt.fnode import FNode

__all__ = ["to_smtlib", "z3_binary"]

_SIMPLE_SYMBOL = re.compile(r"^[a-zA-Z~!@$%^&*_\-+=<>.?/][0-9a-zA-Z~!@$%^&*_\-+=<>.?/]*$")


def to_smtlib(formula: FNode, *, logic: str = "QF_UFLIA", comment: str | None = None) -> str:
    """A complete SMT-LIB 2.6 script that checks ``formula`` for satisfiability.

    ``comment`` (any number of lines) is written first, as ``;`` comments. Raises ``ValueError``
    for a name that SMT-LIB cannot spell (one containing ``|`` or ``\\``) and ``TypeError`` for a
    formula that is not Boolean.
    """
    env = pysmt_env()
    if not env.stc.get_type(formula).is_bool_type():
        raise TypeError(f"not a Boolean formula: {formula}")
    if not _SIMPLE_SYMBOL.match(logic):
        raise ValueError(f"not a logic name: {logic!r}")
    symbols = sorted(formula.get_free_variables(), key=lambda s: s.symbol_name())
    sorts: dict[str, int] = {}
    for tp in env.typeso.get_types(formula, custom_only=True):
        _collect_sorts(tp, sorts)
    for symbol in symbols:
        _collect_sorts(symbol.symbol_type(), sorts)

    lines = [f"; {line}".rstrip() for line in (comment.splitlines() if comment else [])]
    lines.append("(set-info :smt-lib-version 2.6)")
    lines.append(f"(set-logic {logic})")
    lines += [f"(declare-sort {_quote(name)} {arity})" for name, arity in sorted(sorts.items())]
    for symbol in symbols:
        tp = symbol.symbol_type()
        if tp.is_function_type():
            params = " ".join(_sort(p) for p in tp.param_types)
            signature = f"({params}) {_sort(tp.return_type)}"
        else:
            signature = f"() {_sort(tp)}"
        lines.append(f"(declare-fun {_quote(symbol.symbol_name())} {signature})")
    conjuncts = formula.args() if formula.is_and() and formula.args() else (formula,)
    printer = _Printer(_let_prefix(formula))
    lines += [f"(assert {printer.unit(c)})" for c in conjuncts]
    lines += ["(check-sat)", "(exit)"]
    return "\n".join(lines) + "\n"


class _Printer:
    """Prints terms, naming each non-atomic subterm used more than once in a unit with ``let``."""

    def __init__(self, let_prefix: str) -> None:
        from pysmt import operators as op

        self.prefix = let_prefix
        self.operators = {op.AND: "and", op.OR: "or", op.NOT: "not", op.IMPLIES: "=>",
                          op.IFF: "=", op.EQUALS: "=", op.ITE: "ite", op.LE: "<=", op.LT: "<",
                          op.PLUS: "+", op.MINUS: "-", op.TIMES: "*", op.TOREAL: "to_real",
                          op.ARRAY_SELECT: "select", op.ARRAY_STORE: "store"}

    def unit(self, root: FNode) -> str:
        """``root`` printed with its shared subterms ``let``-bound; quantifiers are units too."""
        order = _postorder(root)
        uses: dict[FNode, int] = {}
        for node in order:
            if not node.is_quantifier():
                for child in node.args():
                    uses[child] = uses.get(child, 0) + 1
        text: dict[FNode, str] = {}
        bindings: list[tuple[str, str]] = []
        for node in order:
            printed = self._node(node, text)
            if uses.get(node, 0) > 1 and node.args() and not node.is_quantifier():
                name = f"{self.prefix}{len(bindings)}"
                bindings.append((name, printed))
                printed = name
            text[node] = printed
        body = text[root]
        for name, value in reversed(bindings):
            body = f"(let (({name} {value})) {body})"
        return body

    def _node(self, node: FNode, text: dict[FNode, str]) -> str:
        kind = node.node_type()
        if node.is_symbol():
            return _quote(node.symbol_name())
        if node.is_bool_constant():
            return "true" if node.constant_value() else "false"
        if node.is_int_constant():
            value = int(node.constant_value())
            return str(value) if value >= 0 else f"(- {-value})"
        if node.is_quantifier():
            binders = " ".join(f"({_quote(v.symbol_name())} {_sort(v.symbol_type())})"
                               for v in node.quantifier_vars())
            word = "forall" if node.is_forall() else "exists"
            return f"({word} ({binders}) {self.unit(node.arg(0))})"
        args = " ".join(text[child] for child in node.args())
        if node.is_function_application():
            name = _quote(node.function_name().symbol_name())
            return f"({name} {args})" if args else name
        operator = self.operators.get(kind)
        if operator is None:
            from pysmt.smtlib.printers import to_smtlib as pysmt_to_smtlib

            return str(pysmt_to_smtlib(node, daggify=False))
        return f"({operator} {args})"


def _postorder(root: FNode) -> list[FNode]:
    """The nodes of ``root``'s DAG, children first, each once; quantifier bodies not entered."""
    order: list[FNode] = []
    seen: set[FNode] = set()
    stack: list[tuple[FNode, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        if not node.is_quantifier():
            stack.extend((child, False) for child in reversed(node.args()) if child not in seen)
    return order


def _let_prefix(formula: FNode) -> str:
    """A prefix for ``let`` names that no symbol of ``formula`` (free or bound) starts with."""
    names = {s.symbol_name() for s in _all_symbols(formula)}
    prefix = "_let"
    while any(name.startswith(prefix) for name in names):
        prefix += "_"
    return prefix


def _all_symbols(formula: FNode) -> set[FNode]:
    symbols: set[FNode] = set()
    stack, seen = [formula], {formula}
    while stack:
        node = stack.pop()
        if node.is_symbol():
            symbols.add(node)
        elif node.is_function_application():
            symbols.add(node.function_name())
        if node.is_quantifier():
            symbols.update(node.quantifier_vars())
        for child in node.args():
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return symbols


def _quote(name: str) -> str:
    if "|" in name or "\\" in name:
        raise ValueError(f"SMT-LIB cannot spell the name {name!r}")
    return name if _SIMPLE_SYMBOL.match(name) else f"|{name}|"


def _collect_sorts(tp: Any, sorts: dict[str, int]) -> None:
    """Add the uninterpreted sorts occurring in ``tp`` to ``sorts`` (name -> arity)."""
    if tp.is_function_type():
        for part in (*tp.param_types, tp.return_type):
            _collect_sorts(part, sorts)
    elif tp.is_array_type():
        _collect_sorts(tp.index_type, sorts)
        _collect_sorts(tp.elem_type, sorts)
    elif tp.is_custom_type():
        sorts[tp.basename] = len(tp.args)
        for arg in tp.args:
            _collect_sorts(arg, sorts)


def _sort(tp: Any) -> str:
    if tp.is_bool_type():
        return "Bool"
    if tp.is_int_type():
        return "Int"
    if tp.is_real_type():
        return "Real"
    if tp.is_string_type():
        return "String"
    if tp.is_bv_type():
        return f"(_ BitVec {tp.width})"
    if tp.is_array_type():
        return f"(Array {_sort(tp.index_type)} {_sort(tp.elem_type)})"
    if tp.is_custom_type():
        if not tp.args:
            return _quote(tp.basename)
        return f"({_quote(tp.basename)} {' '.join(_sort(a) for a in tp.args)})"
    raise ValueError(f"no SMT-LIB sort for {tp}")


def z3_binary() -> str | None:
    """The path of the ``z3`` executable installed by the z3-solver wheel (else one on ``PATH``)."""
    try:
        files = importlib.metadata.distribution("z3-solver").files or ()
    except importlib.metadata.PackageNotFoundError:
        files = ()
    for file in files:
        if file.name in ("z3", "z3.exe"):
            path = Path(str(file.locate())).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
    return shutil.which("z3")
