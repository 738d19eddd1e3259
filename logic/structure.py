"""Finite structures: the models the decision procedure decodes and the evaluator checks.

Processes are ``0 .. n-1``. Values of a value sort are Python ints drawn from the sort's finite
domain (for an ordered sort, their order is the sort's order). Integers are ints, Booleans bools,
sets of processes frozensets of ints. Every function symbol is a total table over its (finite)
domain as far as the structure needs it; a missing entry is an error at evaluation, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from logic.sorts import FunctionSymbol, Sort

Value = Any  # int | bool | Fraction | frozenset[int]


@dataclass(frozen=True)
class Structure:
    """A finite interpretation of a signature.

    ``domains`` gives each value sort its finite domain; ``functions`` maps each function symbol
    to a table from argument tuples to results; ``constants`` maps constant names to values.
    """

    n: int
    domains: Mapping[Sort, tuple[int, ...]] = field(default_factory=dict)
    functions: Mapping[FunctionSymbol, Mapping[tuple[Value, ...], Value]] = field(
        default_factory=dict)
    constants: Mapping[str, Value] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "domains", MappingProxyType(dict(self.domains)))
        object.__setattr__(self, "functions", MappingProxyType(
            {f: MappingProxyType(dict(t)) for f, t in self.functions.items()}))
        object.__setattr__(self, "constants", MappingProxyType(dict(self.constants)))

    @property
    def processes(self) -> range:
        return range(self.n)

    def apply(self, f: FunctionSymbol, args: tuple[Value, ...]) -> Value:
        table = self.functions.get(f)
        if table is None:
            raise KeyError(f"the structure does not interpret {f.display_name}")
        if args not in table:
            raise KeyError(f"the structure does not define {f.display_name}{args}")
        return table[args]

    def __hash__(self) -> int:
        return hash((self.n, tuple(sorted(self.constants.items(), key=str))))
