"""The cardinality logic of hoverify and its decision procedure.

Terms are immutable and shared (:mod:`logic.terms`); formulas are written in a paper-like notation
(:func:`parse`, :func:`to_text`, :func:`to_latex`) or built in Python; :func:`check` and
:func:`entails` decide them through a reduction to quantifier-free UF + LIA on z3, cvc5 or yices.

Heavy modules (pysmt, the solvers) are imported only when a formula is decided.
"""

from __future__ import annotations

from typing import Any

from logic.errors import (
    BackendError,
    LogicError,
    ParseError,
    SortError,
    SourceLocation,
    UnknownSymbolError,
    UnsupportedError,
)
from logic.result import Answer, CheckResult, Verdict
from logic.signature import Signature, ho_signature
from logic.sorts import BOOL, INT, PROC, SET_PROC, FunctionSymbol, Sort, value_sort
from logic.structure import Structure
from logic.terms import (
    EMPTY,
    FALSE,
    TRUE,
    Add,
    And,
    App,
    BoolConst,
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
    Op,
    Or,
    Sub,
    Subset,
    Term,
    Union_,
    Var,
    free_vars,
    substitute,
)

__all__ = [
    "Answer", "CheckResult", "Verdict", "Signature", "ho_signature", "Structure", "Term", "Op",
    "Sort", "FunctionSymbol", "PROC", "INT", "BOOL", "SET_PROC", "value_sort",
    "LogicError", "ParseError", "SortError", "UnknownSymbolError", "UnsupportedError",
    "BackendError", "SourceLocation",
    "Var", "IntConst", "BoolConst", "TRUE", "FALSE", "N", "EMPTY", "App", "Add", "Sub", "Neg",
    "Mul", "Div", "FloorDiv", "Eq", "Lt", "Le", "Gt", "Ge", "Not", "And", "Or", "Implies", "Iff",
    "Ite", "Forall", "Exists", "Comprehension", "Member", "Subset", "Union_", "Inter", "Diff",
    "Card", "free_vars", "substitute",
    "parse", "to_text", "to_latex", "check", "entails", "valid", "reduce_formula",
    "available_backends",
]


def parse(text: str, signature: Signature, **kw: Any) -> Term:
    """Parse a formula in the paper-like notation, type-checked against ``signature``."""
    from logic.parser import parse as _parse

    return _parse(text, signature, **kw)


def to_text(t: Term, **kw: Any) -> str:
    from logic.printer import to_text as _to_text

    return _to_text(t, **kw)


def to_latex(t: Term) -> str:
    from logic.printer import to_latex as _to_latex

    return _to_latex(t)


def check(formula: Term, **kw: Any) -> CheckResult:
    """Decide the satisfiability of ``formula``; see :func:`logic.decide.check`."""
    from logic.decide import check as _check

    return _check(formula, **kw)


def entails(hypotheses: Any, goal: Term, **kw: Any) -> CheckResult:
    """Decide ``hypotheses |= goal``; see :func:`logic.decide.entails`."""
    from logic.decide import entails as _entails

    return _entails(hypotheses, goal, **kw)


def valid(formula: Term, **kw: Any) -> CheckResult:
    from logic.decide import valid as _valid

    return _valid(formula, **kw)


def reduce_formula(formula: Term, **kw: Any) -> Any:
    """The inspectable quantifier-free reduction (``describe()``, ``instance_log()``, ...)."""
    from logic.reduce import reduce_formula as _reduce

    return _reduce(formula, **kw)


def available_backends() -> tuple[str, ...]:
    from logic.backends import available_backends as _available

    return _available()
