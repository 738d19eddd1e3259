"""Arithmetic expressions in ``n`` (the number of processes), kept both as text and as a value.

HO predicates and fault models carry bounds such as ``n/2`` or ``2*n/3``: the prover needs the text
(in the logic notation), the executor needs the exact value for a concrete ``n``. ``NExpr`` keeps
one source for both. ``/`` is exact (a ``Fraction``) and ``//`` is floor division, as everywhere in
hoverify.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from fractions import Fraction

from hoverify.errors import HoverifyError

Number = int | Fraction


def _eval(node: ast.AST, n: int, text: str) -> Number:
    if isinstance(node, ast.Expression):
        return _eval(node.body, n, text)
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Name) and node.id == "n":
        return n
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, n, text)
    if isinstance(node, ast.BinOp):
        a = _eval(node.left, n, text)
        b = _eval(node.right, n, text)
        op = node.op
        if isinstance(op, ast.Add):
            res: Number = a + b
        elif isinstance(op, ast.Sub):
            res = a - b
        elif isinstance(op, ast.Mult):
            res = a * b
        elif isinstance(op, ast.Div):
            res = Fraction(a) / Fraction(b)
        elif isinstance(op, ast.FloorDiv):
            res = int(a // b)
        elif isinstance(op, ast.Mod):
            res = a % b
        else:
            raise HoverifyError(f"bound {text!r}: operator {type(op).__name__} is not supported; "
                                f"expected + - * / // % on integers and n")
        if isinstance(res, Fraction) and res.denominator == 1:
            return int(res)
        return res
    raise HoverifyError(f"bound {text!r}: expected an arithmetic expression over integer "
                        f"constants and n, found {ast.dump(node)[:40]}")


@dataclass(frozen=True)
class NExpr:
    """An arithmetic expression over integer constants and ``n``, e.g. ``NExpr("2*n/3")``."""

    text: str

    def __post_init__(self) -> None:
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as e:
            raise HoverifyError(f"bound {self.text!r} is not an expression: {e.msg}") from None
        _eval(tree, 3, self.text)  # validates the shape once

    def __call__(self, n: int) -> Number:
        return _eval(ast.parse(self.text, mode="eval"), n, self.text)

    def __str__(self) -> str:
        return self.text


def nexpr(bound: str | int | NExpr) -> NExpr:
    """Coerce an int, a string or an ``NExpr`` to an ``NExpr``."""
    if isinstance(bound, NExpr):
        return bound
    if isinstance(bound, bool) or not isinstance(bound, (int, str)):
        raise HoverifyError(f"a bound must be an int or an expression in n, not {bound!r}")
    return NExpr(str(bound))


__all__ = ["NExpr", "nexpr"]
